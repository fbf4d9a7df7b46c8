/**
 * The validated, frozen configuration. Produced only by config/load.ts. Keys under
 * server, storage and cameras[] are a stable contract that field scripts rely on.
 */
import type { AudioMode } from '../core/types.js';

export interface CameraConfig {
  /** A slug: lower-case letters, digits, '-' and '_', 1..63 chars, starting alphanumeric. */
  readonly id: string;
  readonly name: string;
  /** rtsp:// or rtsps:// URL; may carry user:pass. Never logged or returned. */
  readonly url: string;
  readonly enabled: boolean;
  readonly audio: AudioMode;
}

export interface Config {
  readonly server: {
    readonly host: string;
    readonly port: number;
  };
  readonly storage: {
    /** Absolute path (resolved against the config file's folder when relative). */
    readonly dataDir: string;
    /** Target segment length; ffmpeg cuts on the first keyframe after it. */
    readonly segmentSeconds: number;
  };
  readonly recorder: {
    /** No progress from ffmpeg for this long means the stream stalled: restart it. */
    readonly stallTimeoutSeconds: number;
    /** ffmpeg's RTSP socket I/O timeout. */
    readonly rtspTimeoutSeconds: number;
    /** Backoff after a failed run: first delay, cap; full jitter in between. */
    readonly restartBackoffInitialMs: number;
    readonly restartBackoffMaxMs: number;
    /** More restarts than this within an hour puts the camera in 'failed' for a cool-down. */
    readonly maxRestartsPerHour: number;
    /** After SIGTERM, how long ffmpeg may take to close its segment before SIGKILL. */
    readonly stopTimeoutMs: number;
    /** A wall-clock step larger than this (against the monotonic clock) ends the run. */
    readonly clockStepToleranceMs: number;
    /** ffmpeg binary (path or name on PATH). */
    readonly ffmpegPath: string;
    readonly ffprobePath: string;
  };
  readonly demo: {
    /** Start the project's own RTSP test camera (GStreamer) for the demo camera. */
    readonly enabled: boolean;
    readonly rtspPort: number;
  };
  readonly log: {
    readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  };
  readonly cameras: readonly CameraConfig[];
}
