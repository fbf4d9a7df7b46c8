/**
 * The stream-prober port: a short ffprobe of a live RTSP stream for the health card.
 * It reads packets (not frames: no decoding) for a few seconds and derives the codec,
 * resolution, declared and measured frame rate, the keyframe spacing and the audio codec.
 * Measured against the project's test camera (ffmpeg 5.1): the first packet of an RTSP
 * session often has no timestamp; it is placed one frame before the next one. The same
 * packet reading and parsing serves the start-up cards built from recorded segments.
 */
import type { Spawner } from '../core/spawn.js';
import { redactText } from '../core/redact.js';
import type { StreamFacts } from './types.js';

export interface StreamProber {
  /** Throws StreamProbeError (message without credentials) when nothing usable came back. */
  probe(url: string, seconds: number): Promise<StreamFacts>;
}

export class StreamProbeError extends Error {
  override name = 'StreamProbeError';
}

interface Packet { stream_index?: number; pts_time?: string; dts_time?: string; flags?: string }
interface Stream { index?: number; codec_type?: string; codec_name?: string; width?: number; height?: number; r_frame_rate?: string; avg_frame_rate?: string }
export interface ProbeJson { streams?: Stream[]; packets?: Packet[] }

const maxStdoutBytes = 32 * 1024 * 1024;

export function ffprobeStreamProber(spawner: Spawner, ffprobePath = 'ffprobe'): StreamProber {
  return {
    async probe(url, seconds) {
      const input = ['-rtsp_transport', 'tcp', '-timeout', '5000000', '-read_intervals', `%+${seconds}`, url];
      return streamFacts(await ffprobePackets(spawner, ffprobePath, input, (seconds + 10) * 1000), seconds);
    },
  };
}

/**
 * ffprobe's streams and packets (time and flags, no decoding) of one input: the argv tail
 * ending in the input (an RTSP URL with its options, or a recorded segment file). Shared
 * by the RTSP probe and the recorded-segment probe (recorded-stream-facts.ts).
 */
export async function ffprobePackets(spawner: Spawner, ffprobePath: string, input: readonly string[], timeoutMs: number): Promise<ProbeJson> {
  const args = ['-v', 'error', '-of', 'json', '-show_streams', '-show_entries', 'packet=stream_index,pts_time,dts_time,flags', ...input];
  const out = await run(spawner, ffprobePath, args, timeoutMs);
  try {
    return JSON.parse(out) as ProbeJson;
  } catch {
    throw new StreamProbeError('ffprobe printed no readable answer');
  }
}

function run(spawner: Spawner, bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawner(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], parentDeathSignal: 'KILL' });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let why: string | null = null;
    const timer = setTimeout(() => { why = `no answer within ${Math.round(timeoutMs / 1000)} s`; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes <= maxStdoutBytes) out.push(b);
    });
    child.stderr?.on('data', (b: Buffer) => { if (err.length < 4000) err += b.toString('utf8'); });
    child.on('error', (e) => { why = `cannot run ${bin}: ${e.message}`; });
    child.on('close', (code) => {
      clearTimeout(timer);
      const lastLine = err.trim().split('\n').pop() ?? '';
      if (why !== null) reject(new StreamProbeError(why));
      else if (code !== 0) reject(new StreamProbeError(redactText(lastLine || `ffprobe exited with ${code}`).slice(0, 300)));
      else resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

/** Turn ffprobe's streams and packets into the facts the health card shows. */
export function streamFacts(json: ProbeJson, probeSeconds: number): StreamFacts {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw new StreamProbeError('the stream has neither video nor audio');
  const packets = (json.packets ?? []).filter((p) => video && p.stream_index === video.index);
  const times = packetTimes(packets);
  const span = times.length >= 2 ? (times.at(-1)!.t - times[0]!.t) : 0;
  return {
    videoCodec: video?.codec_name ?? null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    declaredFps: rate(video?.avg_frame_rate) ?? rate(video?.r_frame_rate),
    measuredFps: span > 0 ? round2((times.length - 1) / span) : null,
    ...keyframeSpacing(times),
    audioCodec: audio?.codec_name ?? null,
    probeSeconds,
  };
}

interface Timed { t: number; key: boolean }

/** Decode-order times (dts, else pts) in seconds; a missing one is interpolated from its neighbours. */
function packetTimes(packets: readonly Packet[]): Timed[] {
  const raw = packets.map((p) => ({ t: num(p.dts_time) ?? num(p.pts_time), key: (p.flags ?? '').includes('K') }));
  const known = raw.map((r) => r.t).filter((t): t is number => t !== null);
  const deltas = known.slice(1).map((t, i) => t - known[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  const step = deltas[Math.floor(deltas.length / 2)] ?? 0;
  dropClampedFirstTime(raw, step);
  const out: Timed[] = [];
  raw.forEach((r, i) => {
    if (r.t !== null) { out.push({ t: r.t, key: r.key }); return; }
    const next = raw.slice(i + 1).findIndex((x) => x.t !== null);
    if (next >= 0 && step > 0) out.push({ t: raw[i + 1 + next]!.t! - (next + 1) * step, key: r.key });
  });
  return out.sort((a, b) => a.t - b.t);
}

/**
 * The first segment of a recording run (AAC made from the camera's audio) starts its video
 * at 0 while the rest is shifted by the audio encoder's delay (measured: 134 ms at 8 kHz,
 * the 2nd packet at 0.174 s): a first time more than 1.5 frames before the next is not
 * the camera's, so it is dropped and placed one frame early, like a missing one.
 */
function dropClampedFirstTime(raw: { t: number | null }[], step: number): void {
  const first = raw.findIndex((r) => r.t !== null);
  const second = first < 0 ? -1 : raw.findIndex((r, i) => i > first && r.t !== null);
  if (second < 0 || step <= 0) return;
  if (raw[second]!.t! - raw[first]!.t! > (second - first) * step * 1.5) raw[first]!.t = null;
}

/**
 * The longest stretch between keyframes, including the stretches before the first and
 * after the last one seen (the GOP is at least that long). With fewer than two keyframes
 * it is only a lower bound.
 */
function keyframeSpacing(times: readonly Timed[]): Pick<StreamFacts, 'keyframeIntervalMs' | 'keyframeIntervalIsLowerBound'> {
  if (times.length < 2) return { keyframeIntervalMs: null, keyframeIntervalIsLowerBound: true };
  const keys = times.filter((x) => x.key).map((x) => x.t);
  const first = times[0]!.t;
  const last = times.at(-1)!.t;
  const stretches = keys.length === 0 ? [last - first] : [keys[0]! - first, last - keys.at(-1)!, ...keys.slice(1).map((t, i) => t - keys[i]!)];
  return { keyframeIntervalMs: Math.round(Math.max(...stretches) * 1000), keyframeIntervalIsLowerBound: keys.length < 2 };
}

function rate(v: string | undefined): number | null {
  const m = /^(\d+)\/(\d+)$/.exec(v ?? '');
  if (!m || Number(m[2]) === 0 || Number(m[1]) === 0) return null;
  return round2(Number(m[1]) / Number(m[2]));
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === 'N/A') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
