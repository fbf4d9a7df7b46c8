/**
 * All cameras' supervisors, and the clock-step watch that is shared by them. The only
 * surface main and the api need: start, status, close.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import type { CameraSpec, RecorderStatus } from '../core/types.js';
import { CameraRecorder, type RecorderSettings, type RecorderSink } from './camera-recorder.js';
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

const clockCheckPeriodMs = 1000;

export class RecorderPool {
  private readonly recorders = new Map<string, CameraRecorder>();
  private readonly clockWatch: ClockWatch;
  private clockTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RecorderPoolDeps) {
    this.clockWatch = new ClockWatch(deps.clock, deps.clockStepToleranceMs);
    for (const camera of deps.cameras) {
      this.recorders.set(camera.id, new CameraRecorder({
        camera,
        settings: deps.settings,
        recordingsDir: deps.recordingsDir,
        spawner: deps.spawner,
        clock: deps.clock,
        log: deps.log.child({ camera: camera.id }),
        sink: deps.sink,
      }));
    }
  }

  start(): void {
    for (const recorder of this.recorders.values()) recorder.start();
    this.clockTimer = setInterval(() => this.checkClock(), clockCheckPeriodMs);
    this.clockTimer.unref();
  }

  status(cameraId: string): RecorderStatus | null {
    return this.recorders.get(cameraId)?.status() ?? null;
  }

  statuses(): RecorderStatus[] {
    return [...this.recorders.values()].map((r) => r.status());
  }

  /** Stop every camera in parallel; each ffmpeg closes its segment first. */
  async close(): Promise<void> {
    if (this.clockTimer) clearInterval(this.clockTimer);
    await Promise.all([...this.recorders.values()].map((r) => r.close()));
  }

  checkClock(): void {
    const step = this.clockWatch.check();
    if (!step) return;
    this.deps.log.warn(step, 'wall clock stepped; ending every run so time is re-anchored');
    const detail = `clock stepped by ${step.stepMs} ms (offset ${step.oldOffsetMs} → ${step.newOffsetMs})`;
    for (const recorder of this.recorders.values()) recorder.restartNow('clock-step', detail);
  }
}
