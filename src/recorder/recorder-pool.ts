/**
 * All cameras' supervisors, and the clock-step watch that is shared by them. The only
 * surface main and the api need: start, status, apply (live camera changes), close.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import type { CameraSpec, RecorderStatus } from '../core/types.js';
import { CameraRecorder, type RecorderCounters, type RecorderSettings, type RecorderSink } from './camera-recorder.js';
import { ClockWatch } from './clock-watch.js';

export interface RecorderPoolDeps {
  cameras: readonly CameraSpec[];
  settings: RecorderSettings;
  clockStepToleranceMs: number;
  recordingsDir: string;
  spawner: Spawner;
  clock: Clock;
  log: Logger;
  sink: RecorderSink;
}

/**
 * The pool's one timer runs the stall watchdogs. It is armed for the earliest moment a
 * recorder could be stalled (its last progress plus the stall timeout), not on a fixed
 * period: a stall is seen at the timeout itself, and a box whose cameras all send
 * heartbeats wakes for it about once per timeout instead of at every heartbeat period
 * (docs/performance.md, session 5). A run that starts later has its deadline a full
 * timeout away, so the timer armed now never fires late for it.
 */
const tickSlackMs = 50;

/** Which recorders one apply() started, stopped or restarted (camera ids). */
export interface PoolChanges {
  started: string[];
  stopped: string[];
  restarted: string[];
}

/** Only these settings reach ffmpeg; a new name alone does not restart a recording. */
const sameRecording = (a: CameraSpec, b: CameraSpec) => a.url === b.url && a.enabled === b.enabled && a.audio === b.audio;

export class RecorderPool {
  private readonly recorders = new Map<string, CameraRecorder>();
  private readonly clockWatch: ClockWatch;
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly specs = new Map<string, CameraSpec>();
  private started = false;
  private closed = false;
  private pausedReason: string | null = null;
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RecorderPoolDeps) {
    this.clockWatch = new ClockWatch(deps.clock, deps.clockStepToleranceMs);
    for (const camera of deps.cameras) this.add(camera);
  }

  start(): void {
    this.started = true;
    for (const recorder of this.recorders.values()) recorder.start();
    this.armTick();
  }

  status(cameraId: string): RecorderStatus | null {
    return this.recorders.get(cameraId)?.status() ?? null;
  }

  statuses(): RecorderStatus[] {
    return [...this.recorders.values()].map((r) => r.status());
  }

  counters(): RecorderCounters[] {
    return [...this.recorders.values()].map((r) => r.counters());
  }

  /** Pause every camera (retention: the disk is full of held footage); state 'paused'. */
  pause(reason: string): void {
    this.pausedReason = reason;
    for (const recorder of this.recorders.values()) recorder.pause(reason);
  }

  /** Resume every paused camera at once. */
  resume(): void {
    this.pausedReason = null;
    for (const recorder of this.recorders.values()) recorder.resume();
  }

  /** Stop every camera in parallel; each ffmpeg closes its segment first. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    await this.applying;
    await Promise.all([...this.recorders.values()].map((r) => r.close()));
  }

  /**
   * Bring the recorders in line with `cameras` (the camera registry's list): a camera
   * added starts, one removed stops, one whose URL, enabled flag or audio mode changed
   * restarts; every other recorder is left alone, its ffmpeg untouched. Calls run one
   * after the other; each resolves with what it changed.
   */
  apply(cameras: readonly CameraSpec[]): Promise<PoolChanges> {
    const run = this.applying.then(() => this.applyNow(cameras));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(cameras: readonly CameraSpec[]): Promise<PoolChanges> {
    const changes: PoolChanges = { started: [], stopped: [], restarted: [] };
    if (this.closed) return changes;
    const wanted = new Map(cameras.map((c) => [c.id, c]));
    const leaving: CameraRecorder[] = [];
    for (const [id, recorder] of this.recorders) {
      const next = wanted.get(id);
      const spec = this.specs.get(id);
      if (next && spec && sameRecording(spec, next)) continue;
      leaving.push(recorder);
      this.recorders.delete(id);
      (next ? changes.restarted : changes.stopped).push(id);
    }
    // Each closes its ffmpeg gracefully, so the last segment is finished and indexed.
    await Promise.all(leaving.map((r) => r.close()));
    for (const camera of cameras) {
      if (this.recorders.has(camera.id) || this.closed) continue;
      const recorder = this.add(camera);
      if (!changes.restarted.includes(camera.id)) changes.started.push(camera.id);
      if (!this.started) continue;
      recorder.start();
      if (this.pausedReason !== null) recorder.pause(this.pausedReason);
    }
    for (const id of changes.stopped) this.specs.delete(id);
    if (changes.started.length + changes.stopped.length + changes.restarted.length > 0) this.deps.log.info(changes, 'camera changes applied');
    return changes;
  }

  private add(camera: CameraSpec): CameraRecorder {
    const recorder = new CameraRecorder({
      camera,
      settings: this.deps.settings,
      recordingsDir: this.deps.recordingsDir,
      spawner: this.deps.spawner,
      clock: this.deps.clock,
      log: this.deps.log.child({ camera: camera.id }),
      sink: this.deps.sink,
      // Every heartbeat checks the clock: a step is seen within one heartbeat period,
      // with no timer of its own.
      onProgress: () => this.checkClock(),
    });
    this.recorders.set(camera.id, recorder);
    this.specs.set(camera.id, camera);
    return recorder;
  }

  private tick(): void {
    this.tickTimer = null;
    this.checkClock();
    for (const recorder of this.recorders.values()) recorder.checkProgress();
    this.armTick();
  }

  private armTick(): void {
    if (this.closed) return;
    const nowMono = this.deps.clock.monotonicMs();
    let dueMono = nowMono + this.deps.settings.stallTimeoutMs;
    for (const recorder of this.recorders.values()) dueMono = Math.min(dueMono, recorder.stallDeadlineMono() ?? dueMono);
    this.tickTimer = setTimeout(() => this.tick(), Math.max(0, dueMono - nowMono) + tickSlackMs);
    this.tickTimer.unref();
  }

  checkClock(): void {
    const step = this.clockWatch.check();
    if (!step) return;
    this.deps.log.warn(step, 'wall clock stepped; ending every run so time is re-anchored');
    const detail = `clock stepped by ${step.stepMs} ms (offset ${step.oldOffsetMs} → ${step.newOffsetMs})`;
    for (const recorder of this.recorders.values()) recorder.restartNow('clock-step', detail);
  }
}
