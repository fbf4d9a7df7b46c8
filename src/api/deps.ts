/**
 * The api's port: everything it needs from the rest of the daemon, as plain functions.
 * The daemon wires real services in; tests pass plain objects. The api never imports the
 * store, the recorder or the config loader directly.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { RecorderStatus } from '../core/types.js';
import type { CameraConfig } from '../config/types.js';
import type { AuditPort } from './access.js';

export interface TimeSpan {
  fromMs: number;
  toMs: number;
}

export interface CoverageGap extends TimeSpan {
  /** Why nothing was recorded (a RunEndReason, 'no-recording', …); shown to officers. */
  reason: string;
}

export interface Coverage {
  runs: TimeSpan[];
  gaps: CoverageGap[];
}

export type HealthStatus = 'ok' | 'degraded' | 'critical';

export interface ApiDeps {
  log: Logger;
  clock: Clock;
  /** Current cameras. Their `url` holds credentials: routes must never return it. */
  cameras: () => readonly CameraConfig[];
  /** null when no recorder runs for this camera (disabled, or not started yet). */
  recorderStatus: (cameraId: string) => RecorderStatus | null;
  recordings: {
    /** What is recorded in [fromMs, toMs): continuous runs and the gaps between them. */
    coverage(cameraId: string, fromMs: number, toMs: number): Coverage;
  };
  health: () => { status: HealthStatus; reasons: string[] };
  version: string;
  /** The audit trail: every clip, still, playback, export, login and settings change. */
  audit: AuditPort;
}
