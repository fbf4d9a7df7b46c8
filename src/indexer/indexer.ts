/**
 * Turns the recorder's events into rows. Writes are synchronous and idempotent: a
 * repeated event changes nothing, so the recorder may replay events after a hiccup.
 * A segment row carries exactly the times of its close event (start/end are not
 * rounded, shifted or re-derived here): the recorder owns the time model.
 *
 * Two faces: onRunStarted / onSegmentClosed / onRunEnded throw on a bad event or a
 * database error (for tests and callers that handle errors); runStarted / segmentClosed
 * / runEnded / segmentAbandoned (the recorder's sink) never throw into the recorder:
 * they log, and the file is picked up by start-up reconciliation next time.
 */
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  runKeySpawnedMs, segmentFilePattern,
  type RunEndedEvent, type RunStartedEvent, type SegmentClosedEvent,
} from '../core/types.js';
import type { Store } from '../store/db.js';
import type { Prober } from './probe.js';
import { ensureRun, recoverFile } from './recover.js';

export interface IndexerDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Needed only to index abandoned segments at once; without it reconciliation does. */
  readonly prober?: Prober;
  readonly quarantineDir?: string;
  /** Told of every segment indexed from a close event (integrity seals it while it is in the page cache). */
  readonly onSegmentIndexed?: (ref: { readonly cameraId: string; readonly relPath: string }) => void;
}

/** A segment ffmpeg opened but never closed (it was killed): probe it, then index it. */
export interface SegmentAbandonedEvent {
  readonly cameraId: string;
  readonly runKey: string;
  readonly seq: number;
  readonly relPath: string;
  /** Where the segment starts: the end of the run's previous segment (or its anchor). */
  readonly startMs: number;
}

export class Indexer {
  private readonly pending = new Set<Promise<void>>();
  private readonly failedWrites: (() => void)[] = [];

  constructor(private readonly deps: IndexerDeps) {}

  /** Called by main for every configured camera: the row exists and has the configured name. */
  ensureCamera(id: string, name: string): void {
    this.deps.store.cameras.ensure(id, name, this.deps.clock.nowMs(), true);
  }

  onRunStarted(e: RunStartedEvent): void {
    requireInts('RunStarted', { anchorMs: e.anchorMs, spawnedAtMs: e.spawnedAtMs });
    this.write(() => this.writeRunStarted(e));
  }

  private writeRunStarted(e: RunStartedEvent): void {
    const { store } = this.deps;
    const created = store.transaction(() => {
      this.ensureCameraRow(e.cameraId);
      const run = { cameraId: e.cameraId, runKey: e.runKey, spawnedMs: e.spawnedAtMs, startMs: e.anchorMs, stream: e.stream };
      return store.runs.insertIfAbsent(run).created;
    });
    if (!created) this.deps.log.debug({ runKey: e.runKey }, 'duplicate RunStarted ignored');
  }

  onSegmentClosed(e: SegmentClosedEvent): void {
    requireInts('SegmentClosed', {
      seq: e.seq, startMs: e.startMs, endMs: e.endMs, mediaDurationMs: e.mediaDurationMs,
      observedCloseMs: e.observedCloseMs, sizeBytes: e.sizeBytes,
    });
    this.checkRelPath(e.cameraId, e.runKey, e.seq, e.relPath);
    this.write(() => this.writeSegment(e));
  }

  private writeSegment(e: SegmentClosedEvent): void {
    const { store } = this.deps;
    const inserted = store.transaction(() => {
      this.ensureCameraRow(e.cameraId);
      // Unknown run (its RunStarted was lost): create it from what the event tells.
      const spawnedMs = Math.min(runKeySpawnedMs(e.runKey) ?? e.startMs, e.startMs);
      const run = store.runs.insertIfAbsent({ cameraId: e.cameraId, runKey: e.runKey, spawnedMs, startMs: e.startMs, stream: e.stream }).row;
      return store.segments.insert({
        cameraId: e.cameraId, runId: run.id, seq: e.seq, startMs: e.startMs, endMs: e.endMs,
        mediaDurationMs: e.mediaDurationMs, observedCloseMs: e.observedCloseMs, sizeBytes: e.sizeBytes,
        relPath: e.relPath, videoCodec: e.stream.videoCodec, width: e.stream.width, height: e.stream.height,
        audioCodec: e.stream.audioCodec, recovered: false,
      });
    });
    if (!inserted) this.deps.log.debug({ relPath: e.relPath }, 'duplicate SegmentClosed ignored');
    else this.deps.onSegmentIndexed?.({ cameraId: e.cameraId, relPath: e.relPath });
  }

  onRunEnded(e: RunEndedEvent): void {
    requireInts('RunEnded', { endedAtMs: e.endedAtMs });
    this.write(() => this.writeRunEnded(e));
  }

  private writeRunEnded(e: RunEndedEvent): void {
    if (this.deps.store.runs.end(e.cameraId, e.runKey, e.endedAtMs, e.reason, e.detail)) return;
    const known = this.deps.store.runs.getByKey(e.cameraId, e.runKey);
    if (known) this.deps.log.debug({ runKey: e.runKey }, 'RunEnded for an ended run ignored');
    else this.deps.log.warn({ runKey: e.runKey, reason: e.reason }, 'RunEnded for an unknown run ignored');
  }

  /** Probe and index a segment cut short by a killed ffmpeg (asynchronous; see drain). */
  onSegmentAbandoned(e: SegmentAbandonedEvent): void {
    const { prober, quarantineDir, store, recordingsDir, log } = this.deps;
    if (!prober || !quarantineDir) {
      log.warn({ relPath: e.relPath }, 'abandoned segment left for start-up reconciliation (no prober)');
      return;
    }
    this.checkRelPath(e.cameraId, e.runKey, e.seq, e.relPath);
    requireInts('SegmentAbandoned', { seq: e.seq, startMs: e.startMs });
    const job = (async () => {
      const { run } = ensureRun(store, e.cameraId, e.runKey, e.startMs, this.deps.clock.nowMs());
      if (store.segments.bySeq(run.id, e.seq)) return;
      await recoverFile({ store, prober, recordingsDir, quarantineDir, log }, { ...e }, run, () => e.startMs);
    })().catch((err: unknown) => {
      log.error({ relPath: e.relPath, err: (err as Error).message }, 'abandoned segment not indexed; reconciliation will retry');
    });
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  /** Writes that failed on a database error and wait to be replayed. */
  get pendingWrites(): number {
    return this.failedWrites.length;
  }

  /**
   * Run one event's write. A database error (SQLITE_FULL on a full disk, SQLITE_BUSY, an
   * I/O error) queues the write and is rethrown for the caller to count; every write that
   * works replays the queue in order, so rows come back as soon as the disk has room,
   * without waiting for the next start-up's reconciliation. Writes are idempotent.
   */
  private write(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (isTransientDbError(err) && this.failedWrites.length < maxQueuedWrites) this.failedWrites.push(fn);
      throw err;
    }
    this.replayFailedWrites();
  }

  /**
   * Replay queued writes in order; stops at the first that still fails for a transient
   * reason (the disk is still full). Returns how many are left.
   */
  replayFailedWrites(): number {
    while (this.failedWrites.length > 0) {
      try {
        this.failedWrites[0]!();
      } catch (err) {
        if (isTransientDbError(err)) return this.failedWrites.length;
        this.deps.log.error({ err: (err as Error).message }, 'queued index write dropped; reconciliation will repair the index');
      }
      this.failedWrites.shift();
    }
    return 0;
  }

  /** Wait for abandoned segments still being probed (before closing the store). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  // The recorder's sink: same work, but an error is logged instead of thrown.
  runStarted(e: RunStartedEvent): void { this.guard('RunStarted', e.runKey, () => this.onRunStarted(e)); }
  segmentClosed(e: SegmentClosedEvent): void { this.guard('SegmentClosed', e.runKey, () => this.onSegmentClosed(e)); }
  runEnded(e: RunEndedEvent): void { this.guard('RunEnded', e.runKey, () => this.onRunEnded(e)); }
  segmentAbandoned(e: SegmentAbandonedEvent): void { this.guard('SegmentAbandoned', e.runKey, () => this.onSegmentAbandoned(e)); }

  private guard(event: string, runKey: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error({ event, runKey, err: (err as Error).message }, 'event not indexed; start-up reconciliation will repair the index');
    }
  }

  /** Events may name a camera main has not registered (yet): its id stands in for a name. */
  private ensureCameraRow(cameraId: string): void {
    this.deps.store.cameras.ensure(cameraId, cameraId, this.deps.clock.nowMs(), false);
  }

  /** A row must name the file the recorder wrote: <camera>/<day>/<runKey>-<seq:6>.mp4. */
  private checkRelPath(cameraId: string, runKey: string, seq: number, relPath: string): void {
    const parts = relPath.split('/');
    const name = parts[2] ?? '';
    const m = segmentFilePattern.exec(name);
    const ok = parts.length === 3 && parts[0] === cameraId && /^\d{4}-\d{2}-\d{2}$/.test(parts[1] ?? '')
      && m !== null && m[1] === runKey && Number(m[2]) === seq
      && !path.isAbsolute(relPath) && path.normalize(relPath) === relPath;
    if (!ok) throw new NvrError('INTERNAL', `segment path '${relPath}' does not match camera ${cameraId}, run ${runKey}, seq ${seq}`);
  }
}

/** Queued failed writes beyond this are dropped: start-up reconciliation re-derives them from the files. */
const maxQueuedWrites = 10_000;

/** Errors that go away by themselves (a full disk, a busy or failing device); constraint errors do not. */
function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|BUSY|LOCKED|IOERR|CANTOPEN|PROTOCOL)/.test(code);
}

/** Times and sizes are integer ms and bytes; STRICT columns would reject anything else. */
function requireInts(event: string, fields: Record<string, number>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (!Number.isSafeInteger(value)) throw new NvrError('INTERNAL', `${event}.${name}=${String(value)} is not an integer`);
  }
}
