/**
 * The prober port: what a segment file really holds. Only used for files whose close was
 * never seen (start-up reconciliation, abandoned segments), never per closed segment.
 *
 * Why packets and not format.duration (measured, ffmpeg 5.1, 720p25 H.264, 1 s GOP):
 * - kill -9 of the recorder (flush_packets=1), 6 kills: every file ended on a whole
 *   fragment, playable up to the last keyframe; format.duration = frames x 40 ms + 80 ms
 *   (the x264 B-frame delay, which this probe reports as firstFrameMs).
 * - a file cut inside a fragment (power cut, truncated copy), 8 cut points of a 10 s
 *   segment: the moof still declares every sample of the fragment, so format.duration
 *   overstated the playable part by 160 to 1000 ms; this probe was within one frame.
 * The playable length is taken from the video packets whose bytes are all in the file:
 * from the first pts to the end (pts + duration) of the latest one. ffprobe reports a
 * cut packet with its truncated size and logs "partial file", so that packet is dropped.
 */
import { stat } from 'node:fs/promises';
import { systemSpawner, type Spawner } from '../core/spawn.js';

export interface ProbeResult {
  /** Playable length: first video pts to the end of the last whole video packet. */
  readonly durationMs: number;
  /**
   * Media time of the first video frame (the encoder's composition delay: 80 ms with x264
   * B-frames, 0 without). ffmpeg's segment list counts it in the first segment of a run.
   */
  readonly firstFrameMs: number;
  /** What the container claims (format.duration); differs from durationMs for a cut file. */
  readonly declaredDurationMs: number | null;
  readonly videoCodec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly audioCodec: string | null;
  readonly sizeBytes: number;
}

export interface Prober {
  /**
   * null when the file cannot be read as media (garbage, cut inside its header, ffprobe
   * failed or timed out); durationMs 0 when it holds a header but no whole frame.
   */
  probe(absPath: string): Promise<ProbeResult | null>;
}

export interface FfprobeOptions {
  readonly timeoutMs?: number;
  readonly spawner?: Spawner;
}

interface FfprobeStream { index?: number; codec_type?: string; codec_name?: string; width?: number; height?: number }
interface FfprobePacket { stream_index?: number; pts_time?: string; duration_time?: string; pos?: string; size?: string }
interface FfprobeJson {
  streams?: FfprobeStream[];
  packets?: FfprobePacket[];
  format?: { duration?: string; start_time?: string };
}

/** Refuse absurd outputs (an hour of 60 fps packets is ~25 MB of JSON). */
const maxStdoutBytes = 64 * 1024 * 1024;

export function ffprobeProber(ffprobePath = 'ffprobe', options: FfprobeOptions = {}): Prober {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const spawner = options.spawner ?? systemSpawner;
  return {
    async probe(absPath: string): Promise<ProbeResult | null> {
      const [info, out] = await Promise.all([stat(absPath).catch(() => null), runFfprobe(spawner, ffprobePath, absPath, timeoutMs)]);
      if (info === null || !info.isFile() || out === null) return null;
      try {
        return interpret(JSON.parse(out.stdout) as FfprobeJson, /partial file/i.test(out.stderr), info.size);
      } catch {
        return null;
      }
    },
  };
}

const args = (absPath: string): string[] => [
  '-v', 'error', '-of', 'json', '-show_format', '-show_streams',
  '-show_entries', 'packet=stream_index,pts_time,duration_time,pos,size',
  absPath,
];

/** Run ffprobe; null on spawn failure, non-zero exit, oversize output or timeout. */
function runFfprobe(spawner: Spawner, bin: string, absPath: string, timeoutMs: number): Promise<{ stdout: string; stderr: string } | null> {
  return new Promise((resolve) => {
    const child = spawner(bin, args(absPath), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let failed = false;
    const fail = (): void => {
      failed = true;
      child.kill('SIGKILL'); // ffprobe holds no state worth a graceful stop
    };
    const timer = setTimeout(fail, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > maxStdoutBytes) fail();
      else out.push(b);
    });
    child.stderr?.on('data', (b: Buffer) => { if (err.length < 64) err.push(b); });
    child.on('error', () => { failed = true; });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed || code !== 0) resolve(null);
      else resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function interpret(json: FfprobeJson, partial: boolean, sizeBytes: number): ProbeResult | null {
  const streams = json.streams ?? [];
  if (streams.length === 0) return null;
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const extent = packetExtent(json.packets ?? [], (video ?? audio)?.index ?? 0, partial, sizeBytes);
  const declaredS = num(json.format?.duration);
  return {
    durationMs: extent === null ? 0 : Math.max(0, Math.round((extent.endS - extent.firstS) * 1000)),
    firstFrameMs: extent === null ? 0 : Math.max(0, Math.round(extent.firstS * 1000)),
    declaredDurationMs: declaredS === null ? null : Math.round(declaredS * 1000),
    videoCodec: video?.codec_name ?? null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    audioCodec: audio?.codec_name ?? null,
    sizeBytes,
  };
}

/**
 * First pts and end (pts + duration) of the whole packets of one stream, in seconds; null
 * when it has none. end - first is the span of frames the file holds, which is what the
 * recorder's segment list gives for every segment of a run (the first segment of a run
 * also counts the stream's initial composition delay, 80 ms with x264 B-frames, 0 without).
 */
function packetExtent(packets: readonly FfprobePacket[], streamIndex: number, partial: boolean, sizeBytes: number): { firstS: number; endS: number } | null {
  let firstS = Infinity;
  let endS = -Infinity;
  for (const p of packets) {
    if (p.stream_index !== streamIndex) continue;
    const pts = num(p.pts_time);
    if (pts === null) continue;
    const pos = num(p.pos);
    const size = num(p.size);
    // A cut packet is reported with the bytes that exist, so it ends exactly at EOF.
    if (partial && pos !== null && size !== null && pos + size >= sizeBytes) continue;
    firstS = Math.min(firstS, pts);
    endS = Math.max(endS, pts + (num(p.duration_time) ?? 0));
  }
  return endS > -Infinity ? { firstS, endS } : null;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === 'N/A') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
