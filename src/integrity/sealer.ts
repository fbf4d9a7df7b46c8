/**
 * Seals segment rows: hash the file, then give the row the next link of its camera's
 * chain. The indexer calls segmentIndexed right after a close (the file is still in the
 * page cache: no disk read), and sealPending catches up on the rest (files recovered at
 * start-up, rows indexed before this version) at a bounded rate.
 *
 * All sealing runs one file at a time on one queue, so a camera's chain follows the order
 * its segments closed in, and a burst of closes never hashes several files at once.
 */
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/db.js';
import type { SegmentSeal } from '../store/integrity-repo.js';
import { chainValue } from './chain.js';
import { isFsError } from './checks.js';
import { ReadAborted } from '../core/sleep.js';
import { hashFile, type FileHash, type HashOptions } from './hasher.js';

export interface SealerDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** The file hasher (a port so tests can count or fail reads). */
  readonly hash?: (absPath: string, opts?: HashOptions) => Promise<FileHash>;
}

/** What sealing cost per camera since start: the figure behind "CPU per camera". */
export interface SealStats {
  readonly cameraId: string;
  readonly sealed: number;
  readonly bytes: number;
  readonly hashMs: number;
  readonly failures: number;
}

export class SegmentSealer {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly perCamera = new Map<string, { sealed: number; bytes: number; hashMs: number; failures: number }>();
  /** Rows that could not be sealed this run (file missing or changed): not retried until restart. */
  private readonly skip = new Set<number>();
  /** Catch-up sealing stops at shutdown; seals of segments just closed still run. */
  private stopping = false;
  private closed = false;
  /** One read buffer for every seal: the queue runs one file at a time. */
  private readonly buffer = Buffer.allocUnsafe(1 << 20);

  constructor(private readonly deps: SealerDeps) {}

  /** A segment was just indexed: seal it while its file is in the page cache. */
  segmentIndexed(ref: { readonly relPath: string }): void {
    void this.enqueue(async () => {
      const row = this.deps.store.integrity.byPath(ref.relPath);
      if (row) await this.sealRow(row, { inPageCache: true });
    });
  }

  /**
   * Seal rows still unsealed (of one camera, or all), oldest first, up to `limit`; `pace`
   * bounds the read rate (these files are usually no longer in the page cache). Returns
   * how many were sealed.
   */
  sealPending(opts: { cameraId?: string; limit?: number; pace?: HashOptions['pace'] } = {}): Promise<number> {
    return this.enqueue(async () => {
      let sealed = 0;
      const rows = this.deps.store.integrity.unsealed((opts.limit ?? 500) + this.skip.size, opts.cameraId ?? null)
        .filter((r) => !this.skip.has(r.id)).slice(0, opts.limit ?? 500);
      for (const row of rows) {
        if (this.stopping) break;
        if (await this.sealRow(row, opts.pace ? { pace: opts.pace } : {})) sealed += 1;
      }
      return sealed;
    });
  }

  stats(): SealStats[] {
    return [...this.perCamera].map(([cameraId, s]) => ({ cameraId, ...s }));
  }

  /**
   * Shutdown, after the recorders stopped (their last segments are queued): seal what is
   * queued, skip catch-up work, then refuse new work. Before the store closes.
   */
  async close(): Promise<void> {
    this.stopping = true;
    await this.queue.catch(() => undefined);
    this.closed = true;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => (this.closed ? (undefined as T) : task()));
    this.queue = run.catch((err: unknown) => {
      if (!this.stopping && !(err instanceof ReadAborted)) this.deps.log.error({ err: (err as Error).message }, 'sealing failed');
    });
    return run;
  }

  private async sealRow(row: SegmentSeal, how: Pick<HashOptions, 'pace' | 'inPageCache'>): Promise<boolean> {
    if (row.sha256 !== null || this.skip.has(row.id)) return false;
    const stats = this.statsOf(row.cameraId);
    let fileHash: FileHash;
    try {
      fileHash = await (this.deps.hash ?? hashFile)(path.join(this.deps.recordingsDir, row.relPath), { ...how, buffer: this.buffer });
    } catch (err) {
      if (!isFsError(err)) throw err;
      return this.notSealed(row, stats, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing-file' : 'unreadable', (err as Error).message);
    }
    if (fileHash.sizeBytes !== row.sizeBytes) {
      return this.notSealed(row, stats, 'size-mismatch', `file has ${fileHash.sizeBytes} bytes at sealing, the index says ${row.sizeBytes}`);
    }
    const sealed = this.deps.store.integrity.seal(row.id, fileHash.sha256, chainValue, this.deps.clock.nowMs());
    if (!sealed) return false;
    stats.sealed += 1;
    stats.bytes += fileHash.sizeBytes;
    stats.hashMs += fileHash.hashMs;
    return true;
  }

  /** The row stays unsealed; unless it was deleted meanwhile, that is a finding. */
  private notSealed(row: SegmentSeal, stats: { failures: number }, kind: 'missing-file' | 'unreadable' | 'size-mismatch', detail: string): false {
    this.skip.add(row.id);
    if (!this.deps.store.integrity.byId(row.id)) return false;
    stats.failures += 1;
    this.deps.log.error({ relPath: row.relPath, kind, detail }, 'segment not sealed');
    this.deps.store.findings.record({ cameraId: row.cameraId, kind, relPath: row.relPath, chainSeq: 0, detail: `at sealing: ${detail}` }, this.deps.clock.nowMs());
    return false;
  }

  private statsOf(cameraId: string) {
    let s = this.perCamera.get(cameraId);
    if (!s) this.perCamera.set(cameraId, (s = { sealed: 0, bytes: 0, hashMs: 0, failures: 0 }));
    return s;
  }
}
