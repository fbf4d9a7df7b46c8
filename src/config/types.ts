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
  /** Days of footage kept for this camera; retention.maxAgeDays when absent. */
  readonly retentionDays?: number;
  /** Byte quota of this camera's footage; none when absent. */
  readonly maxBytes?: number;
  /** ONVIF device service of the camera (clock offset and details for its health card). */
  readonly onvif?: CameraOnvifConfig;
  /**
   * Low-resolution sub-stream for live view in the grid (rtsp://, may carry user:pass;
   * never logged or returned). Null or absent: the grid shows the main stream.
   */
  readonly subUrl?: string | null;
}

export interface CameraOnvifConfig {
  readonly host: string;
  readonly port: number;
  /** Needed only for device details; the clock is read without credentials. */
  readonly username?: string;
  /** Never logged or returned. */
  readonly password?: string;
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
  readonly retention: {
    /** Footage older than this is deleted (unless held); cameras[].retentionDays overrides. */
    readonly maxAgeDays: number;
    /** Free-space floor as a fraction of the disk (0.05 = 5 %). */
    readonly minFreeFraction: number;
    /** Free-space floor as minutes of the cameras' recent recording bandwidth. */
    readonly minFreeMinutes: number;
    /** Below the floor, the oldest unheld footage goes until this fraction of the disk is free. */
    readonly highWater: number;
    /** Warn when holds and the floor leave fewer hours of recording than this. */
    readonly warnHoursLeft: number;
    /** How often free space, age and quotas are checked. */
    readonly checkSeconds: number;
  };
  readonly clips: {
    /** Longest clip one request may ask for (clip.mp4 / clip.json). */
    readonly maxClipSeconds: number;
    /** Longest range of one HLS playlist. */
    readonly maxPlaylistSeconds: number;
    /** ffmpeg still jobs at once; the rest wait (stills decode video). */
    readonly stillConcurrency: number;
    /** A still job that takes longer is killed. */
    readonly stillTimeoutMs: number;
    /**
     * ffmpeg processes kept started and waiting, per picture size (full size, and the
     * last thumbnail width asked for), so a still does not wait ~80 ms for ffmpeg to
     * start; each costs ~10 MB. 0 = a new ffmpeg for every still.
     */
    readonly stillWarmProcesses: number;
    /** Segment files whose fragment index is kept in memory (~1 KB each). */
    readonly indexCacheEntries: number;
  };
  readonly discovery: {
    /** WS-Discovery probes per interface per scan (cameras miss single probes). */
    readonly probeRounds: number;
    /** Pause between the starts of two probe rounds. */
    readonly probeIntervalMs: number;
    /** How long each probe listens for answers. */
    readonly listenMs: number;
    /** Probe loopback interfaces too (a simulator on the box itself). */
    readonly includeLoopback: boolean;
    /** Probe only these interfaces (names); empty = every IPv4 interface. */
    readonly interfaces: readonly string[];
    /** Timeout of one ONVIF request (clock, device information, profiles, stream URI). */
    readonly requestTimeoutMs: number;
    /** How long the health card's ffprobe watches a camera's stream. */
    readonly streamProbeSeconds: number;
  };
  readonly exports: {
    /** Longest range one export may cover. */
    readonly maxRangeSeconds: number;
    /** Bound on an export's reads and writes (bytes per second) so it never starves recording; 0 = unlimited. */
    readonly maxBytesPerSecond: number;
    /**
     * Days a finished package stays in <dataDir>/exports, counted from when it was
     * finished; then the export runner deletes it (the job row stays, marked expired).
     * 0 = kept until deleted by hand. Packages otherwise eat the space footage needs.
     */
    readonly keepDays: number;
  };
  readonly integrity: {
    /** Hash each segment as it closes (its file is still in the page cache). Off only to measure what it costs. */
    readonly hashOnClose: boolean;
    /** Read rate of the background re-check of sealed files and of catch-up sealing; 0 turns both off. */
    readonly verifyBytesPerSecond: number;
    /** How often every camera's hash chain is walked (SQL only, no file reads). */
    readonly chainCheckSeconds: number;
    /** A sealed file is re-read at most once per this many hours. */
    readonly reverifyHours: number;
  };
  readonly log: {
    readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  };
  readonly cameras: readonly CameraConfig[];
}
