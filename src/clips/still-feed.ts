/**
 * What a warm still ffmpeg reads on its stdin: the segment's init (ftyp + moov) and the
 * one fragment (a GOP: recordings are written with frag_keyframe, so every fragment starts
 * on a keyframe) that holds the first frame presented at or after t. The fragment's video
 * tfdt (baseMediaDecodeTime) is rewritten so that this frame's presentation time
 * (dts + composition offset, B-frames included) is exactly the fixed instant the warm
 * process was started with (`-copyts ... -ss P` on its output): ffmpeg decodes from the
 * keyframe, drops every frame before P and encodes that one frame.
 *
 * Media time 0 of a segment is its first video frame's presentation time, which is what
 * the spawn path's input seek counts from (ffmpeg's start_time) for the recorder's files.
 * Null means "not on this path" (no video, a codec not proven here, t past the last
 * complete fragment, a fragment that does not start on a keyframe): the caller falls back.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { buildInit } from './clip-init.js';
import { fragmentSampleTimes, type FragmentInfo, type SegmentIndex, type TrackInfo } from './fragment-index.js';
import { boxAt, uintBytes } from './mp4-boxes.js';

/** Sample entries the warm path was checked on (tests: H.264 with and without B-frames, H.265). */
const provenCodecs = new Set(['avc1', 'avc3', 'hvc1', 'hev1']);

export interface StillFeed {
  readonly bytes: Buffer;
  /** The chosen frame's presentation time in the file, in track ticks (for logs). */
  readonly framePtsTicks: number;
  readonly timescale: number;
}

interface Candidate {
  readonly fragment: FragmentInfo;
  readonly decodeTime: number;
  /** Presentation times of the fragment's samples, decode order. */
  readonly pts: number[];
}

export async function buildStillFeed(absPath: string, index: SegmentIndex, offsetMs: number, presentationSec: number): Promise<StillFeed | null> {
  const track = index.tracks.find((t) => t.trackId === index.mainTrackId);
  if (!track || track.handler !== 'vide' || !provenCodecs.has(track.codec) || track.timescale <= 0) return null;
  const fragments = index.fragments.filter((f) => f.trafs.some((t) => t.trackId === track.trackId));
  if (fragments.length === 0) return null;
  const fh = await open(absPath, 'r');
  try {
    const first = await candidate(fh, fragments[0]!, track);
    if (!first || first.pts.length === 0) return null;
    const targetTicks = Math.min(...first.pts) + Math.round((offsetMs * track.timescale) / 1000);
    const chosen = await pickFrame(fh, fragments, track, targetTicks, first);
    if (!chosen) return null;
    const { cand, sample } = chosen;
    const presentationTicks = Math.round(presentationSec * track.timescale);
    // pts of the sample = decodeTime + (its dts in the fragment) + cts = presentationTicks.
    const newDecodeTime = cand.decodeTime + presentationTicks - cand.pts[sample]!;
    const traf = cand.fragment.trafs.find((t) => t.trackId === track.trackId)!;
    if (newDecodeTime < 0 || newDecodeTime > (traf.tfdtBytes === 4 ? 0xffff_ffff : Number.MAX_SAFE_INTEGER)) return null;
    const body = await readExactly(fh, cand.fragment.offset, cand.fragment.end - cand.fragment.offset);
    if (!body) return null;
    uintBytes(newDecodeTime, traf.tfdtBytes).copy(body, traf.tfdtAt - cand.fragment.offset);
    return { bytes: Buffer.concat([buildInit(index, 0), body]), framePtsTicks: cand.pts[sample]!, timescale: track.timescale };
  } finally {
    await fh.close();
  }
}

/**
 * The sample with the smallest presentation time at or after `targetTicks`. It lies in the
 * last fragment decoding at or before t, or (B-frames, or t after that GOP's last frame)
 * one fragment either side of it.
 */
async function pickFrame(fh: FileHandle, fragments: readonly FragmentInfo[], track: TrackInfo, targetTicks: number, first: Candidate) {
  const decodeTimeOf = (f: FragmentInfo) => f.trafs.find((t) => t.trackId === track.trackId)!.decodeTime;
  let at = 0;
  while (at + 1 < fragments.length && decodeTimeOf(fragments[at + 1]!) <= targetTicks) at += 1;
  let best: { cand: Candidate; sample: number; pts: number } | null = null;
  for (let i = Math.max(0, at - 1); i <= Math.min(fragments.length - 1, at + 1); i++) {
    const cand = i === 0 ? first : await candidate(fh, fragments[i]!, track);
    if (!cand) return null;
    cand.pts.forEach((pts, sample) => {
      if (pts >= targetTicks && (!best || pts < best.pts)) best = { cand, sample, pts };
    });
  }
  const found = best as { cand: Candidate; sample: number; pts: number } | null;
  return found && found.cand.fragment.key ? found : null;
}

/** Read a fragment's moof and the presentation time of each of its video samples. */
async function candidate(fh: FileHandle, fragment: FragmentInfo, track: TrackInfo): Promise<Candidate | null> {
  const head = await readExactly(fh, fragment.offset, Math.min(16_384, fragment.end - fragment.offset));
  const box = head && boxAt(head, 0);
  if (!head || !box || box.type !== 'moof') return null;
  const moof = box.end <= head.length ? head : await readExactly(fh, fragment.offset, box.end);
  const times = moof && fragmentSampleTimes(moof, [track], track.trackId);
  if (!times) return null;
  const pts: number[] = [];
  let dts = times.decodeTime;
  for (const s of times.samples) {
    pts.push(dts + s.ctsTicks);
    dts += s.durationTicks;
  }
  return { fragment, decodeTime: times.decodeTime, pts };
}

async function readExactly(fh: FileHandle, pos: number, length: number): Promise<Buffer | null> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, pos + filled);
    if (bytesRead === 0) return null;
    filled += bytesRead;
  }
  return buf;
}
