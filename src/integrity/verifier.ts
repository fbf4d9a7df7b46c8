/**
 * The background integrity check: a low-priority loop that keeps re-reading sealed files
 * at a bounded rate (least recently verified first), walks every camera's chain now and
 * then, seals what is still unsealed, and records what it finds. Open findings make the
 * box's health critical until an admin acknowledges them (nvr fsck --acknowledge).
 *
 * Waiting goes through the `sleep` port, so tests drive single steps without timers.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { HealthFinding } from '../health/health.js';
import type { Store } from '../store/db.js';
import { checkChain, checkFile } from './checks.js';
import type { SegmentSealer } from './sealer.js';
import { abortableSleep, ReadAborted } from '../core/sleep.js';

export interface VerifierSettings {
  /** Read rate of the check (and of catch-up sealing); 0 turns the file check off. */
  readonly bytesPerSecond: number;
  /** How often every chain is walked. */
  readonly chainCheckIntervalMs: number;
  /** A file verified more recently than this is not read again yet (the loop idles). */
  readonly reverifyAfterMs: number;
  /** Shortest pause when there is nothing to do. */
  readonly idleMs: number;
  /**
   * Longest pause (60 s by default): an idle loop sleeps until the next file or chain
   * check is due, within [idleMs, maxIdleMs]; rows left unsealed wait at most this long
   * for catch-up sealing.
   */
  readonly maxIdleMs?: number;
}

export interface VerifierDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly sealer: SegmentSealer;
  readonly settings: VerifierSettings;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface VerifierStatus {
  readonly filesVerified: number;
  readonly bytesVerified: number;
  readonly lastChainCheckMs: number | null;
  readonly openFindings: number;
}

export class BackgroundVerifier {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private filesVerified = 0;
  private bytesVerified = 0;
  private lastChainCheckMs: number | null = null;
  private lastChainCheckMono: number | null = null;
  /** When the least recently verified file is due again, as verifyNext last saw it. */
  private nextFileDueMs: number | null = null;

  constructor(private readonly deps: VerifierDeps) {}

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => this.deps.log.error({ err: (err as Error).message }, 'integrity check stopped'));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** One step of the loop: chains when due, catch-up sealing, one file. False when idle. */
  async step(): Promise<boolean> {
    const mono = this.deps.clock.monotonicMs();
    if (this.lastChainCheckMono === null || mono - this.lastChainCheckMono >= this.deps.settings.chainCheckIntervalMs) {
      this.checkChains();
      this.lastChainCheckMono = mono;
    }
    if (this.deps.settings.bytesPerSecond <= 0) return false;
    const sealed = await this.deps.sealer.sealPending({ limit: 20, pace: this.pace });
    return (await this.verifyNext()) || sealed > 0;
  }

  /** Walk every camera's chain; record findings; prune verified retention tombstones. */
  checkChains(): number {
    const { store } = this.deps;
    const nowMs = this.deps.clock.nowMs();
    const cameras = new Set([...store.integrity.heads().map((h) => h.cameraId), ...store.usage.perCamera().map((c) => c.cameraId)]);
    let found = 0;
    for (const cameraId of cameras) {
      const report = checkChain(store.integrity, cameraId);
      for (const f of report.findings) store.findings.record(f, nowMs);
      found += report.findings.length;
      if (report.prunable) store.integrity.prune(cameraId, report.prunable.seq, report.prunable.chain);
    }
    this.lastChainCheckMs = nowMs;
    if (found > 0) this.deps.log.error({ found }, 'integrity: chain check found problems');
    return found;
  }

  /** Re-read the least recently verified file, if it is due. False when none is. */
  async verifyNext(): Promise<boolean> {
    const { store, clock } = this.deps;
    const row = store.integrity.nextToVerify(1)[0];
    const dueMs = row ? (row.verifiedMs ?? -Infinity) + this.deps.settings.reverifyAfterMs : null;
    this.nextFileDueMs = dueMs;
    if (!row || dueMs === null || clock.nowMs() < dueMs) return false;
    const result = await checkFile(store.integrity, this.deps.recordingsDir, row, { pace: this.pace });
    const nowMs = clock.nowMs();
    this.bytesVerified += result.bytes;
    if (!result.stillIndexed) return true;
    this.filesVerified += 1;
    store.integrity.markVerified(row.id, nowMs);
    if (result.finding) {
      store.findings.record(result.finding, nowMs);
      this.deps.log.error({ relPath: row.relPath, kind: result.finding.kind }, result.finding.detail);
    } else {
      store.findings.resolveFile(row.relPath, nowMs);
    }
    return true;
  }

  /** The health check: every open finding makes the box critical (footage may be wrong). */
  healthFindings(): HealthFinding[] {
    const open = this.deps.store.findings.open(3);
    if (open.length === 0) return [];
    const total = this.deps.store.findings.openCount();
    const first = open.map((f) => `${f.kind} ${f.relPath || `camera ${f.cameraId}`}`).join('; ');
    return [{ severity: 'critical', reason: `integrity: ${total} problem(s) in recorded footage (${first}${total > open.length ? '; …' : ''}); run nvr fsck for the list` }];
  }

  status(): VerifierStatus {
    return { filesVerified: this.filesVerified, bytesVerified: this.bytesVerified, lastChainCheckMs: this.lastChainCheckMs, openFindings: this.deps.store.findings.openCount() };
  }

  /** Between chunks of a read; throws once closing, so a long read stops at the next chunk. */
  private readonly pace = async (bytes: number): Promise<void> => {
    await this.sleep((bytes / Math.max(1, this.deps.settings.bytesPerSecond)) * 1000);
    if (this.abort.signal.aborted) throw new ReadAborted();
  };

  private sleep(ms: number): Promise<void> {
    return (this.deps.sleep ?? abortableSleep)(ms, this.abort.signal);
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let busy = false;
      try {
        busy = await this.step();
      } catch (err) {
        if (this.abort.signal.aborted) break;
        this.deps.log.error({ err: (err as Error).message }, 'integrity check step failed');
      }
      if (!busy) await this.sleep(this.idleMs());
    }
  }

  /** Until the next file or chain check is due, within [idleMs, maxIdleMs]. */
  private idleMs(): number {
    const { settings, clock } = this.deps;
    let waitMs = settings.maxIdleMs ?? 60_000;
    if (this.lastChainCheckMono !== null) waitMs = Math.min(waitMs, this.lastChainCheckMono + settings.chainCheckIntervalMs - clock.monotonicMs());
    if (settings.bytesPerSecond > 0 && this.nextFileDueMs !== null) waitMs = Math.min(waitMs, this.nextFileDueMs - clock.nowMs());
    return Math.max(settings.idleMs, waitMs);
  }
}
