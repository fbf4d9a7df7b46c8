/**
 * Value types shared across modules. Times are integer epoch milliseconds UTC (`…Ms`),
 * sizes are bytes (`…Bytes`). Nothing here does I/O.
 */

/** What to do with the camera's audio. MP4 cannot hold G.711, so the default converts. */
export type AudioMode = 'aac' | 'copy' | 'off';

/** A camera as the recorder needs it. `url` may carry user:pass and must never be logged. */
export interface CameraSpec {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly audio: AudioMode;
}

/** What ffmpeg told us about the stream of one run (parsed from its stderr). */
export interface StreamInfo {
  readonly videoCodec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
  readonly audioCodec: string | null;
}

/** Why a run (one ffmpeg session) ended. Shown as the reason of the gap that follows. */
export type RunEndReason =
  | 'camera-disconnected' // ffmpeg exited by itself (camera closed, socket timeout, error)
  | 'stalled' // no progress for the stall timeout; we killed it
  | 'clock-step' // the box's wall clock stepped; a new run re-anchors time
  | 'stopped' // daemon shutdown or camera disabled
  | 'unclean-shutdown'; // found open at start-up: the daemon or the box died

/**
 * A run has started and its time anchor is known: media time 0 of this ffmpeg session
 * corresponds to wall time `anchorMs`.
 */
export interface RunStartedEvent {
  readonly cameraId: string;
  /** Unique key of the run, also the prefix of its segment files. */
  readonly runKey: string;
  readonly anchorMs: number;
  /** When ffmpeg was spawned (wall ms); the connect time is anchorMs - spawnedAtMs. */
  readonly spawnedAtMs: number;
  readonly stream: StreamInfo;
}

/** ffmpeg closed a segment (from its own segment list): the file is complete. */
export interface SegmentClosedEvent {
  readonly cameraId: string;
  readonly runKey: string;
  /** 1-based sequence number of the segment inside its run. */
  readonly seq: number;
  /** Path relative to the recordings root (`<dataDir>/recordings`). */
  readonly relPath: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Duration on the media timeline (what a player shows). */
  readonly mediaDurationMs: number;
  /** Wall time at which the close was observed (for drift checks). */
  readonly observedCloseMs: number;
  readonly sizeBytes: number;
  readonly stream: StreamInfo;
}

export interface RunEndedEvent {
  readonly cameraId: string;
  readonly runKey: string;
  readonly endedAtMs: number;
  readonly reason: RunEndReason;
  readonly detail: string | null;
}

/** Supervisor states, as shown to officers and in health. */
export type RecorderState = 'recording' | 'connecting' | 'stalled' | 'failed' | 'disabled' | 'stopped' | 'paused';

export interface RecorderStatus {
  readonly cameraId: string;
  readonly state: RecorderState;
  readonly sinceMs: number;
  readonly lastSegmentEndMs: number | null;
  readonly lastSegmentClosedAtMs: number | null;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly stream: StreamInfo | null;
  readonly pid: number | null;
}

/**
 * Segment files: `<recordings>/<cameraId>/<YYYY-MM-DD>/<runKey>-<seq:6>.mp4`, where the day
 * is the run's start day (UTC) and runKey is `YYYYMMDDTHHMMSSmmmZ-xxxx`: the wall time the
 * run's ffmpeg was spawned plus 4 random base-36 characters. A per-run key plus a
 * sequence number means two names never collide (second-resolution strftime names do).
 */
export const segmentFilePattern = /^(\d{8}T\d{9}Z-[a-z0-9]{4})-(\d{6})\.mp4$/;

export function makeRunKey(spawnedAtMs: number, random: () => number = Math.random): string {
  const iso = new Date(spawnedAtMs).toISOString(); // 2026-11-28T17:41:12.345Z
  const compact = iso.slice(0, 10).replaceAll('-', '') + 'T' + iso.slice(11, 19).replaceAll(':', '') + iso.slice(20, 23) + 'Z';
  const suffix = Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0');
  return `${compact}-${suffix}`;
}

/** The spawn time encoded in a run key, or null when it is not one of ours. */
export function runKeySpawnedMs(runKey: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[a-z0-9]{4}$/.exec(runKey);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

/** The folder (relative to the recordings root) that holds a run's segment files. */
export function runFolder(cameraId: string, spawnedAtMs: number): string {
  return `${cameraId}/${new Date(spawnedAtMs).toISOString().slice(0, 10)}`;
}
