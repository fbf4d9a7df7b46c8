/**
 * Keeps the disk within policy; the only code that deletes media. One pass, every
 * `checkIntervalMs` (sooner near the floor): finish leftover garbage, then age per camera, byte quotas, and disk
 * pressure (free space below the floor → oldest unheld footage of any camera until the
 * refill target is free). Held footage is never selected. When the floor cannot be kept
 * because only held footage is left, recording is paused (critical) rather than deleting
 * evidence, and resumed once free space is back above the refill target.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/db.js';
import type { MetricsPort } from '../metrics/port.js';
import type { Collected, Selection } from '../store/garbage-repo.js';
import { Deleter, type DeletionFaults, type FlushReport } from './deleter.js';
import type { DiskSpace, DiskUsage } from './disk.js';
import { ageCutoffMs, formatBytes as mb, freeFloorBytes, refillTargetBytes, totalBytesPerSecond, type RetentionCamera } from './policy.js';
import { Reserve } from './reserve.js';
import { buildSnapshot, emptySnapshot, type Counters, type StorageSnapshot } from './snapshot.js';

export interface RetentionSettings {
  readonly maxAgeDays: number;
  readonly minFreeFraction: number;
  readonly minFreeMinutes: number;
  readonly highWater: number;
  readonly warnHoursLeft: number;
  readonly checkIntervalMs: number;
}

/** What retention may ask of the recorders (the RecorderPool). */
export interface RecordingControl {
  pause(reason: string): void;
  resume(): void;
}

export interface RetentionDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  /** Holds the reserve file; must be on the recordings file system. */
  readonly reserveFile: string;
  readonly disk: DiskUsage;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: RetentionSettings;
  readonly cameras: () => readonly RetentionCamera[];
  readonly recording?: RecordingControl;
  readonly faults?: DeletionFaults;
  /** Deletions and failures as Prometheus counters (src/metrics). */
  readonly metrics?: Pick<MetricsPort, 'retentionDeleted' | 'retentionFailed'>;
  /** Called after every pass (the daemon replays index writes that failed on a full disk). */
  readonly afterPass?: () => void;
}

interface DiskState {
  space: DiskSpace;
  floorBytes: number;
  targetBytes: number;
  bytesPerSecond: number;
}

const batch = 500;
/** Pass period near the floor or while paused (or checkIntervalMs if shorter). */
const pressureCheckMs = 10_000;
/** "Near the floor": the cameras would write the free space down to it within this time. */
const pressureHorizonMs = 10 * 60_000;
/** Stop a pressure pass that unlinked twice what was needed without freeing it (files held open). */
const overshootFactor = 2;

export class Retention {
  private readonly deleter: Deleter;
  private readonly reserve: Reserve;
  private readonly counters: Counters = { deleted: { age: 0, quota: 0, pressure: 0 }, deletedBytes: 0, passErrors: 0, lastPassError: null };
  private snap: StorageSnapshot;
  private pausedSince: { ms: number; reason: string } | null = null;
  /** The disk as the last pass measured it; null when it could not (the pass failed). */
  private lastDisk: DiskState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly deps: RetentionDeps) {
    this.deleter = new Deleter({
      store: deps.store, recordingsDir: deps.recordingsDir, log: deps.log, faults: deps.faults,
      today: () => utcDay(deps.clock.nowMs()),
    });
    this.reserve = new Reserve(deps.reserveFile, deps.log);
    this.snap = emptySnapshot(deps.clock.nowMs(), deps.settings.warnHoursLeft);
  }

  /** True while `relPath` is being deleted: reconciliation and the watcher leave it alone. */
  isGarbage(relPath: string): boolean {
    return this.deps.store.garbage.has(relPath);
  }

  /** Pass every checkIntervalMs from now on, sooner near the floor (see nextPassDelayMs). */
  start(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.start()), this.nextPassDelayMs());
    this.timer.unref();
  }

  /**
   * The regular pass is every checkIntervalMs (60 s by default: the floor keeps
   * minFreeMinutes of writing free, and age or quota limits have no deadline to the
   * second). Free space is what can change fast, so the pass comes every
   * pressureCheckMs (or checkIntervalMs if shorter) while recording is paused (to resume
   * promptly), while the last pass failed or could not measure the disk, and while the
   * cameras would write the free space down to the floor within pressureHorizonMs.
   * Public so tests read it without waiting for timers.
   */
  nextPassDelayMs(): number {
    const regular = this.deps.settings.checkIntervalMs;
    const urgent = Math.min(regular, pressureCheckMs);
    const disk = this.lastDisk;
    if (this.pausedSince || !disk) return urgent;
    const headroomBytes = disk.space.availableBytes - disk.floorBytes;
    return headroomBytes < disk.bytesPerSecond * (pressureHorizonMs / 1000) ? urgent : regular;
  }

  /** One pass; concurrent calls share the pass in flight. Never throws. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => { this.running = null; });
    return this.running;
  }

  snapshot(): StorageSnapshot {
    return this.snap;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    let disk: DiskState | null = null;
    let diskError: string | null = null;
    try {
      await this.deleter.flush();
      await this.byAge();
      await this.byQuota();
      disk = await this.relievePressure();
      await this.maintainReserve(disk);
    } catch (err) {
      // A pass that fails (disk unreadable, index full) is counted and shown; the next retries.
      this.counters.passErrors += 1;
      this.counters.lastPassError = describe(err);
      diskError = this.counters.lastPassError;
      this.deps.log.error({ err: diskError }, 'retention pass failed; retried next check');
      this.deps.metrics?.retentionFailed(null);
    }
    this.lastDisk = disk;
    this.refreshSnapshot(disk, diskError);
    try {
      this.deps.afterPass?.();
    } catch (err) {
      this.deps.log.warn({ err: describe(err) }, 'after-pass hook failed');
    }
  }

  private async byAge(): Promise<void> {
    const configured = new Map(this.deps.cameras().map((c) => [c.id, c]));
    const nowMs = this.deps.clock.nowMs();
    for (const usage of this.deps.store.usage.perCamera()) {
      const beforeMs = ageCutoffMs(nowMs, configured.get(usage.cameraId), this.deps.settings.maxAgeDays);
      if (usage.oldestMs === null || usage.oldestMs >= beforeMs) continue;
      await this.drain({ reason: 'age', cameraId: usage.cameraId, beforeMs });
    }
  }

  private async byQuota(): Promise<void> {
    const totals = new Map(this.deps.store.usage.perCamera().map((u) => [u.cameraId, u.bytes]));
    for (const camera of this.deps.cameras()) {
      const bytes = totals.get(camera.id) ?? 0;
      if (camera.maxBytes === undefined || bytes <= camera.maxBytes) continue;
      await this.drain({ reason: 'quota', cameraId: camera.id, bytes: bytes - camera.maxBytes });
    }
  }

  /** Collect and unlink batch after batch until the selection is empty or satisfied. */
  private async drain(sel: Selection): Promise<number> {
    let freed = 0;
    for (;;) {
      const wanted: Selection = sel.reason === 'age' ? sel : { ...sel, bytes: sel.bytes - freed };
      if (wanted.reason !== 'age' && wanted.bytes <= 0) return freed;
      const moved = await this.collect(wanted);
      if (moved.rows === 0) return freed;
      freed += moved.bytes;
      this.counters.deleted[sel.reason] += moved.rows;
      for (const [cameraId, c] of moved.byCamera) this.deps.metrics?.retentionDeleted(cameraId, c.segments, c.bytes);
      const flushed = await this.deleter.flush();
      this.counters.deletedBytes += flushed.bytes;
      if (flushed.failed > 0) this.deps.metrics?.retentionFailed(null, flushed.failed);
      this.deps.log.info({ reason: sel.reason, camera: 'cameraId' in sel ? sel.cameraId : 'all', segments: moved.rows, bytes: moved.bytes }, 'footage deleted');
      if (moved.rows < batch && sel.reason === 'age') return freed;
    }
  }

  /**
   * Move a batch to garbage. If SQLite reports the disk full, free the reserve so the
   * transaction fits, and try once more: without this step nothing could ever be deleted.
   */
  private async collect(sel: Selection): Promise<Collected> {
    const run = () => this.deps.store.garbage.collect(sel, this.deps.clock.nowMs(), batch);
    try {
      return run();
    } catch (err) {
      if (!isDiskFull(err) || !(await this.reserve.release())) throw err;
      return run();
    }
  }

  private async measure(): Promise<DiskState> {
    const space = await this.deps.disk.space();
    const windowMs = Math.max(this.deps.settings.minFreeMinutes, 5) * 60_000;
    const enabled = this.deps.cameras().filter((c) => c.enabled);
    const bytesPerSecond = totalBytesPerSecond(enabled.map((c) => this.deps.store.usage.recentRate(c.id, windowMs)));
    const floorBytes = freeFloorBytes(space.totalBytes, bytesPerSecond, this.deps.settings);
    return { space, floorBytes, targetBytes: refillTargetBytes(space.totalBytes, floorBytes, this.deps.settings), bytesPerSecond };
  }

  /** Below the floor (below the target while paused): delete oldest unheld until the target is free. */
  private async relievePressure(): Promise<DiskState> {
    let state = await this.measure();
    const threshold = this.pausedSince ? state.targetBytes : state.floorBytes;
    if (state.space.availableBytes >= threshold) return this.settlePause(state, false);
    const budget = (state.targetBytes - state.space.availableBytes) * overshootFactor;
    let freed = 0;
    let exhausted = false;
    while (state.space.availableBytes < state.targetBytes && freed < budget) {
      const step = await this.drain({ reason: 'pressure', bytes: state.targetBytes - state.space.availableBytes });
      if (step === 0) { exhausted = true; break; }
      freed += step;
      state = await this.measure();
    }
    if (freed >= budget) this.deps.log.error({ freed, budget }, 'deleted files did not free their space (still open?); stopping this pass');
    return this.settlePause(state, exhausted);
  }

  /** Pause when the floor is lost with nothing left to delete; resume above the target. */
  private settlePause(state: DiskState, exhausted: boolean): DiskState {
    const { availableBytes } = state.space;
    if (!this.pausedSince && exhausted && availableBytes < state.floorBytes) {
      const reason = `free space ${mb(availableBytes)} is below the floor ${mb(state.floorBytes)} and only held footage is left`;
      this.pausedSince = { ms: this.deps.clock.nowMs(), reason };
      this.deps.log.error({ availableBytes, floorBytes: state.floorBytes }, `recording paused: ${reason}`);
      this.deps.recording?.pause(reason);
    } else if (this.pausedSince && availableBytes >= state.targetBytes) {
      const pausedMs = this.deps.clock.nowMs() - this.pausedSince.ms;
      this.pausedSince = null;
      this.deps.log.warn({ availableBytes, pausedMs }, 'free space back above the high-water mark: recording resumed');
      this.deps.recording?.resume();
    }
    return state;
  }

  private async maintainReserve(state: DiskState): Promise<void> {
    const size = Reserve.sizeFor(state.space.totalBytes);
    if (this.pausedSince || state.space.availableBytes < state.targetBytes + size) return;
    await this.reserve.ensure(size);
  }

  private refreshSnapshot(disk: DiskState | null, diskError: string | null): void {
    try {
      this.deps.store.garbage.dropEmptyRuns(this.deps.clock.nowMs() - 86_400_000);
      this.snap = buildSnapshot({
        nowMs: this.deps.clock.nowMs(), store: this.deps.store, settings: this.deps.settings, cameras: this.deps.cameras(),
        disk, diskError, paused: this.pausedSince, counters: this.counters,
        deleteFailures: this.deleter.failures, lastDeleteError: this.deleter.lastError,
      });
    } catch (err) {
      this.snap = { ...this.snap, atMs: this.deps.clock.nowMs(), diskError: describe(err) };
    }
  }
}

/**
 * Start-up, before reconciliation and before anything records: unlink what a crash left
 * in garbage and drop those rows, so reconciliation sees a finished deletion (no row, no
 * file) instead of a file it would index again.
 */
export async function finishGarbage(deps: Pick<RetentionDeps, 'store' | 'recordingsDir' | 'log' | 'clock' | 'faults'>): Promise<FlushReport> {
  const report = await new Deleter({ ...deps, today: () => utcDay(deps.clock.nowMs()) }).flush();
  if (report.unlinked + report.missing + report.failed > 0) deps.log.warn({ report }, 'leftover garbage from the last run finished');
  return report;
}

export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  return `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${String(e?.message ?? err)}`.slice(0, 300);
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
