/**
 * Parsers for what a recording ffmpeg writes: the segment list (CSV on fd 1), the
 * progress heartbeat (key=value blocks on fd 3) and its log (stderr). Pure functions, so
 * they are unit-tested on captured output.
 */
import type { StreamInfo } from '../core/types.js';

export interface SegmentListEntry {
  fileName: string;
  startSeconds: number;
  endSeconds: number;
}

/** `name,start,end` as written by `-segment_list_type csv` (names are quoted when needed). */
export function parseSegmentListLine(line: string): SegmentListEntry | null {
  const m = /^"?(.+?)"?,(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)\s*$/.exec(line.trim());
  if (!m) return null;
  const startSeconds = Number(m[2]);
  const endSeconds = Number(m[3]);
  if (!Number.isFinite(startSeconds) || !Number.isFinite(endSeconds) || endSeconds < startSeconds) return null;
  return { fileName: m[1]!, startSeconds, endSeconds };
}

export interface ProgressBlock {
  frame: number | null;
  /** Output media time in microseconds; null when ffmpeg has not muxed anything yet. */
  outTimeUs: number | null;
  fps: number | null;
  ended: boolean;
}

/** Accumulates `key=value` lines; returns a block at each `progress=` line. */
export class ProgressReader {
  private fields = new Map<string, string>();

  push(line: string): ProgressBlock | null {
    const eq = line.indexOf('=');
    if (eq <= 0) return null;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      this.fields.set(key, value);
      return null;
    }
    const block: ProgressBlock = {
      frame: numberOrNull(this.fields.get('frame')),
      outTimeUs: numberOrNull(this.fields.get('out_time_us')),
      fps: numberOrNull(this.fields.get('fps')),
      ended: value === 'end',
    };
    this.fields.clear();
    return block;
  }
}

function numberOrNull(value: string | undefined): number | null {
  if (value === undefined || value === 'N/A') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Reads the input's stream description from ffmpeg's info-level log. */
export class StreamInfoReader {
  private inInput = false;
  private info: { -readonly [K in keyof StreamInfo]: StreamInfo[K] } = emptyStreamInfo();
  private seenInput = false;

  push(line: string): void {
    const text = stripLevel(line);
    if (/^Input #0\b/.test(text)) { this.inInput = true; this.seenInput = true; return; }
    if (/^(Output #|Stream mapping:)/.test(text)) { this.inInput = false; return; }
    if (!this.inInput) return;
    const video = /Stream #0:\d+.*?: Video: (\w+)/.exec(text);
    if (video && this.info.videoCodec === null) {
      this.info.videoCodec = video[1]!;
      const size = /, (\d{2,5})x(\d{2,5})\b/.exec(text);
      if (size) { this.info.width = Number(size[1]); this.info.height = Number(size[2]); }
      const fps = /, (\d+(?:\.\d+)?) fps\b/.exec(text);
      if (fps) this.info.fps = Number(fps[1]);
      return;
    }
    const audio = /Stream #0:\d+.*?: Audio: (\w+)/.exec(text);
    if (audio && this.info.audioCodec === null) this.info.audioCodec = audio[1]!;
  }

  /** Null until ffmpeg has described its input (i.e. the camera answered). */
  current(): StreamInfo | null {
    return this.seenInput ? { ...this.info } : null;
  }
}

export function emptyStreamInfo(): { -readonly [K in keyof StreamInfo]: StreamInfo[K] } {
  return { videoCodec: null, width: null, height: null, fps: null, audioCodec: null };
}

/** `[segment @ 0x…] [warning] text` → `{level: 'warning', text: '[segment] text'}`. */
export function classifyLogLine(line: string): { level: string; text: string } {
  const m = /^(?:\[([\w-]+) @ 0x[0-9a-f]+\] )?\[(\w+)\] (.*)$/.exec(line);
  if (!m) return { level: 'info', text: line };
  return { level: m[2]!, text: m[1] ? `[${m[1]}] ${m[3]}` : m[3]! };
}

function stripLevel(line: string): string {
  return classifyLogLine(line).text.trim();
}
