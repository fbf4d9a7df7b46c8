/**
 * The one ffmpeg command line that records a camera. Stream copy for video (never a
 * transcode); audio converted to AAC because MP4 cannot hold G.711, or dropped. Output is
 * one self-contained fragmented MP4 per segment, flushed at every fragment (one per
 * keyframe), so a killed ffmpeg or a power cut loses at most the fragment in flight.
 * See docs/design.md for the measurements behind each flag.
 */
import type { AudioMode } from '../core/types.js';

export interface RecorderArgsInput {
  /** RTSP URL, may carry credentials: it only ever goes to ffmpeg's argv. */
  url: string;
  rtspTimeoutSeconds: number;
  segmentSeconds: number;
  audio: AudioMode;
  /** Absolute output pattern ending in `-%06d.mp4`. */
  outputPattern: string;
  /** Tag H.265 as hvc1 (Apple players and MSE need it); only valid when the video is HEVC. */
  tagHevcAsHvc1: boolean;
  /** Seconds between -progress reports on fd 3 (the heartbeat the supervisor watches). */
  progressPeriodSeconds: number;
}

/**
 * Seconds between ffmpeg's progress reports, from the stall timeout: a third of it, 1 to
 * 5 s (5 s at the default 15 s), so a stall is declared only after three silent periods.
 * The stall itself is seen at the timeout whatever the period (the pool's timer is armed
 * for each recorder's deadline). Each report wakes the daemon once per camera: at 64
 * cameras a 1 s period was 0.008 of a core of wake-ups alone, more than half of the
 * daemon's own cost without sealing (docs/performance.md).
 */
export function progressPeriodFor(stallTimeoutMs: number): number {
  return Math.max(1, Math.min(5, Math.floor(stallTimeoutMs / 3000)));
}

/** fd numbers of the pipes the supervisor reads; spawn with stdio [ignore, pipe, pipe, pipe]. */
export const segmentListFd = 1;
export const progressFd = 3;

export function buildRecorderArgs(input: RecorderArgsInput): string[] {
  const args = [
    '-hide_banner', '-nostdin', '-nostats',
    // info level: the input's stream description and "Opening … for writing" lines.
    '-loglevel', 'level+info',
    '-progress', `pipe:${progressFd}`, '-stats_period', String(input.progressPeriodSeconds),
    '-rtsp_transport', 'tcp',
    // RTSP socket I/O timeout in microseconds: without it ffmpeg can hang on a silent socket.
    '-timeout', String(Math.round(input.rtspTimeoutSeconds * 1_000_000)),
    '-i', input.url,
    '-map', '0:v:0',
    '-c:v', 'copy',
  ];
  if (input.tagHevcAsHvc1) args.push('-tag:v', 'hvc1');
  args.push(...audioArgs(input.audio));
  args.push(
    '-f', 'segment',
    '-segment_time', String(input.segmentSeconds),
    // Cut on wall-clock boundaries so segments of all cameras line up (…:00, …:01).
    '-segment_atclocktime', '1',
    '-reset_timestamps', '1',
    '-segment_start_number', '1',
    '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof:flush_packets=1',
    // One CSV line `name,start,end` per closed segment, at the moment it closes.
    '-segment_list', `pipe:${segmentListFd}`, '-segment_list_type', 'csv',
    input.outputPattern,
  );
  return args;
}

function audioArgs(mode: AudioMode): string[] {
  switch (mode) {
    case 'off': return ['-an'];
    case 'copy': return ['-map', '0:a:0?', '-c:a', 'copy'];
    case 'aac': return ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '32k'];
  }
}
