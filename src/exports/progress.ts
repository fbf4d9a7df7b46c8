/**
 * Progress and pace of one export run. Progress counts bytes of work (clip bytes written,
 * source bytes re-read, package bytes written) against an estimate made after planning,
 * and is written to the job row at most every `flushMs`. The pacer bounds the job's I/O
 * rate (exports.maxBytesPerSecond) so an export never starves recording on a small box;
 * it also checks for abort (shutdown) between chunks.
 */
import type { Clock } from '../core/clock.js';

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export class ExportAborted extends Error {
  constructor() {
    super('export interrupted by shutdown; it resumes at the next start');
  }
}

export interface WorkDeps {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly signal: AbortSignal;
  /** 0 = as fast as the disk goes. */
  readonly bytesPerSecond: number;
  /** Persist done/total (the job row). */
  readonly report: (doneBytes: number, totalBytes: number) => void;
  readonly flushMs?: number;
}

export class Work {
  private doneBytes = 0;
  private totalBytes = 0;
  private pacedBytes = 0;
  private readonly startMono: number;
  private lastFlushMono = -Infinity;

  constructor(private readonly deps: WorkDeps) {
    this.startMono = deps.clock.monotonicMs();
  }

  setTotal(totalBytes: number): void {
    this.totalBytes = Math.max(totalBytes, this.doneBytes);
    this.flush(true);
  }

  /** `bytes` of work done: count them, persist now and then, and wait if ahead of the pace. */
  async did(bytes: number): Promise<void> {
    this.doneBytes += bytes;
    if (this.doneBytes > this.totalBytes) this.totalBytes = this.doneBytes;
    this.flush(false);
    await this.pace(bytes);
  }

  /** Throws ExportAborted once shutdown began. */
  check(): void {
    if (this.deps.signal.aborted) throw new ExportAborted();
  }

  get done(): number {
    return this.doneBytes;
  }

  private async pace(bytes: number): Promise<void> {
    this.check();
    if (this.deps.bytesPerSecond <= 0) return;
    this.pacedBytes += bytes;
    const aheadMs = (this.pacedBytes / this.deps.bytesPerSecond) * 1000 - (this.deps.clock.monotonicMs() - this.startMono);
    if (aheadMs > 1) await this.deps.sleep(aheadMs, this.deps.signal);
    this.check();
  }

  private flush(force: boolean): void {
    const mono = this.deps.clock.monotonicMs();
    if (!force && mono - this.lastFlushMono < (this.deps.flushMs ?? 250)) return;
    this.lastFlushMono = mono;
    this.deps.report(this.doneBytes, this.totalBytes);
  }
}
