/**
 * Reads one recorded segment (a self-contained fragmented MP4: ftyp, moov with mvex, then
 * one moof+mdat per keyframe) into an index of its fragments: byte offsets, decode times,
 * durations, whether each starts on a keyframe, and where the integers live that a clip
 * rewrites (mfhd sequence number, tfdt base decode time). Reading costs one small read
 * per fragment (moof + the next box header); the mdat bytes are never read here.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import {
  boxAt, findChild, findChildren, findPath, fullBoxHeader, readUint, type BoxRef,
} from './mp4-boxes.js';

export interface TrackInfo {
  readonly trackId: number;
  readonly timescale: number;
  /** 'vide', 'soun', ... */
  readonly handler: string;
  /** Codec fourcc of the first sample entry (avc1, hvc1, hev1, mp4a). */
  readonly codec: string;
  readonly defaultDuration: number;
  readonly defaultFlags: number;
}

export interface TrafInfo {
  readonly trackId: number;
  /** File offset of the tfdt value, and its width (version 0: 4 bytes, 1: 8). */
  readonly tfdtAt: number;
  readonly tfdtBytes: 4 | 8;
  readonly decodeTime: number;
  readonly durationTicks: number;
}

export interface FragmentInfo {
  /** [offset, end): the moof and its mdat. */
  readonly offset: number;
  readonly end: number;
  /** File offset of mfhd.sequence_number. */
  readonly seqAt: number;
  /** The fragment's first video sample is a sync sample (keyframe). */
  readonly key: boolean;
  readonly trafs: readonly TrafInfo[];
}

export interface SegmentIndex {
  readonly sizeBytes: number;
  readonly ftyp: Buffer;
  readonly moov: Buffer;
  readonly movieTimescale: number;
  readonly tracks: readonly TrackInfo[];
  /** The track clips are cut on (the first video track, else the first track). */
  readonly mainTrackId: number;
  /**
   * Equal signatures mean the fragments of two files can follow one init: same tracks,
   * timescales, sample entries (avcC/hvcC with SPS/PPS, resolution) and defaults.
   */
  readonly signature: string;
  /** False when a fragment uses absolute data offsets, so it cannot be moved. */
  readonly movable: boolean;
  readonly fragments: readonly FragmentInfo[];
}

/** Bytes read speculatively at each fragment: a whole moof and the mdat header, usually. */
const probeBytes = 8192;
const nonSyncFlag = 0x10000;

export async function indexSegmentFile(absPath: string): Promise<SegmentIndex> {
  const fh = await open(absPath, 'r');
  try {
    const { size } = await fh.stat();
    return await readIndex(fh, size, absPath);
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, pos: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, pos);
  return buf.subarray(0, bytesRead);
}

/** The whole box starting at `pos`, reusing `chunk` (read at pos) when it holds it all. */
async function wholeBox(fh: FileHandle, chunk: Buffer, box: BoxRef, pos: number): Promise<Buffer> {
  const length = box.end - pos;
  return length <= chunk.length ? chunk.subarray(0, length) : readAt(fh, pos, length);
}

async function readIndex(fh: FileHandle, size: number, absPath: string): Promise<SegmentIndex> {
  let ftyp: Buffer | null = null;
  let init: InitInfo | null = null;
  const fragments: FragmentInfo[] = [];
  let movable = true;
  let pos = 0;
  while (pos + 8 <= size) {
    const chunk = await readAt(fh, pos, probeBytes);
    const box = boxAt(chunk, 0, pos);
    if (!box || box.end > size) break; // a box cut by a crash ends the usable file
    if (box.type === 'ftyp') ftyp = Buffer.from(await wholeBox(fh, chunk, box, pos));
    else if (box.type === 'moov') init = parseMoov(Buffer.from(await wholeBox(fh, chunk, box, pos)));
    else if (box.type === 'moof' && init) {
      const moof = await wholeBox(fh, chunk, box, pos);
      const next = box.end - pos + 8 <= chunk.length ? boxAt(chunk, box.end - pos, pos) : boxAt(await readAt(fh, box.end, 16), 0, box.end);
      if (!next || next.type !== 'mdat' || next.end > size) break;
      const parsed = parseMoof(moof, pos, next.end, init);
      movable &&= parsed.movable;
      fragments.push(parsed.fragment);
      pos = next.end;
      continue;
    }
    pos = box.end;
  }
  if (!ftyp || !init) throw new Error(`${absPath} has no MP4 header (ftyp/moov)`);
  return { sizeBytes: size, ftyp, ...init, movable, fragments };
}

type InitInfo = Pick<SegmentIndex, 'moov' | 'movieTimescale' | 'tracks' | 'mainTrackId' | 'signature'>;

function parseMoov(moov: Buffer): InitInfo {
  const root = boxAt(moov, 0)!;
  const mvhd = findChild(moov, root, 'mvhd');
  const movieTimescale = mvhd ? moov.readUInt32BE(mvhd.body + (fullBoxHeader(moov, mvhd).version === 1 ? 20 : 12)) : 1000;
  const trexes = new Map<number, BoxRef>();
  const mvex = findChild(moov, root, 'mvex');
  for (const trex of mvex ? findChildren(moov, mvex, 'trex') : []) trexes.set(moov.readUInt32BE(trex.body + 4), trex);
  const hash = createHash('sha1');
  const tracks = findChildren(moov, root, 'trak').map((trak) => {
    const track = parseTrak(moov, trak, trexes);
    const stsd = findPath(moov, trak, ['mdia', 'minf', 'stbl', 'stsd']);
    hash.update(`${track.trackId}/${track.timescale}/${track.handler}/`);
    if (stsd) hash.update(moov.subarray(stsd.start, stsd.end));
    const trex = trexes.get(track.trackId);
    if (trex) hash.update(moov.subarray(trex.start, trex.end));
    return track;
  });
  const main = tracks.find((t) => t.handler === 'vide') ?? tracks[0];
  if (!main) throw new Error('moov has no track');
  return { moov, movieTimescale, tracks, mainTrackId: main.trackId, signature: hash.digest('base64url') };
}

function parseTrak(moov: Buffer, trak: BoxRef, trexes: Map<number, BoxRef>): TrackInfo {
  const tkhd = findChild(moov, trak, 'tkhd');
  const mdhd = findPath(moov, trak, ['mdia', 'mdhd']);
  const hdlr = findPath(moov, trak, ['mdia', 'hdlr']);
  const stsd = findPath(moov, trak, ['mdia', 'minf', 'stbl', 'stsd']);
  if (!tkhd || !mdhd || !hdlr) throw new Error('trak without tkhd/mdhd/hdlr');
  const trackId = moov.readUInt32BE(tkhd.body + (fullBoxHeader(moov, tkhd).version === 1 ? 20 : 12));
  const timescale = moov.readUInt32BE(mdhd.body + (fullBoxHeader(moov, mdhd).version === 1 ? 20 : 12));
  const entry = stsd ? boxAt(moov, stsd.body + 8) : null;
  const trex = trexes.get(trackId);
  return {
    trackId,
    timescale,
    handler: moov.toString('latin1', hdlr.body + 8, hdlr.body + 12),
    codec: entry?.type ?? 'unknown',
    defaultDuration: trex ? moov.readUInt32BE(trex.body + 12) : 0,
    defaultFlags: trex ? moov.readUInt32BE(trex.body + 20) : 0,
  };
}

/** One moof (bytes `moof`, at file offset `offset`) whose mdat ends at `end`. */
function parseMoof(moof: Buffer, offset: number, end: number, init: InitInfo): { fragment: FragmentInfo; movable: boolean } {
  const root = boxAt(moof, 0)!;
  const mfhd = findChild(moof, root, 'mfhd');
  let key = false;
  let movable = true;
  const trafs: TrafInfo[] = [];
  for (const traf of findChildren(moof, root, 'traf')) {
    const parsed = parseTraf(moof, traf, offset, init);
    if (!parsed) continue;
    movable &&= parsed.movable;
    trafs.push(parsed.info);
    if (parsed.info.trackId === init.mainTrackId) key = parsed.firstSampleKey;
  }
  const fragment = { offset, end, seqAt: offset + (mfhd ? mfhd.body + 4 : 0), key, trafs };
  return { fragment, movable: movable && mfhd !== undefined };
}

function parseTraf(moof: Buffer, traf: BoxRef, offset: number, init: InitInfo) {
  const tfhd = findChild(moof, traf, 'tfhd');
  const tfdt = findChild(moof, traf, 'tfdt');
  if (!tfhd || !tfdt) return null;
  const { trackId, flags, defaultDuration, defaultFlags } = tfhdDefaults(moof, tfhd, init.tracks);
  const tfdtBytes = fullBoxHeader(moof, tfdt).version === 1 ? 8 : 4;
  const runs = findChildren(moof, traf, 'trun').map((trun) => readTrun(moof, trun, defaultDuration, defaultFlags));
  const info: TrafInfo = {
    trackId,
    tfdtAt: offset + tfdt.body + 4,
    tfdtBytes,
    decodeTime: readUint(moof, tfdt.body + 4, tfdtBytes),
    durationTicks: runs.reduce((n, r) => n + r.durationTicks, 0),
  };
  const firstFlags = runs.find((r) => r.count > 0)?.firstFlags ?? nonSyncFlag;
  return { info, firstSampleKey: (firstFlags & nonSyncFlag) === 0, movable: (flags & 0x01) === 0 };
}

/** The track and sample defaults a tfhd states (falling back to the track's trex). */
function tfhdDefaults(moof: Buffer, tfhd: BoxRef, tracks: readonly TrackInfo[]) {
  const { flags } = fullBoxHeader(moof, tfhd);
  const trackId = moof.readUInt32BE(tfhd.body + 4);
  const track = tracks.find((t) => t.trackId === trackId);
  let at = tfhd.body + 8;
  if (flags & 0x01) at += 8; // base_data_offset: absolute, so the fragment cannot move
  if (flags & 0x02) at += 4;
  const defaultDuration = flags & 0x08 ? moof.readUInt32BE(at) : track?.defaultDuration ?? 0;
  if (flags & 0x08) at += 4;
  if (flags & 0x10) at += 4;
  const defaultFlags = flags & 0x20 ? moof.readUInt32BE(at) : track?.defaultFlags ?? 0;
  return { trackId, flags, defaultDuration, defaultFlags };
}

/** One sample's timing: decode duration and composition offset (pts = dts + ctsTicks). */
export interface SampleTime {
  readonly durationTicks: number;
  readonly ctsTicks: number;
}

/**
 * The video samples of one fragment in decode order, for a still that must find the frame
 * presented at an instant. `moof` holds the moof box from its first byte. Null when the
 * fragment has no traf with a tfdt for `trackId`.
 */
export function fragmentSampleTimes(moof: Buffer, tracks: readonly TrackInfo[], trackId: number): { decodeTime: number; samples: SampleTime[] } | null {
  const root = boxAt(moof, 0);
  if (!root || root.type !== 'moof') return null;
  for (const traf of findChildren(moof, root, 'traf')) {
    const tfhd = findChild(moof, traf, 'tfhd');
    const tfdt = findChild(moof, traf, 'tfdt');
    if (!tfhd || !tfdt) continue;
    const defaults = tfhdDefaults(moof, tfhd, tracks);
    if (defaults.trackId !== trackId) continue;
    const samples: SampleTime[] = [];
    for (const trun of findChildren(moof, traf, 'trun')) {
      readTrun(moof, trun, defaults.defaultDuration, defaults.defaultFlags, (durationTicks, ctsTicks) => samples.push({ durationTicks, ctsTicks }));
    }
    return { decodeTime: readUint(moof, tfdt.body + 4, fullBoxHeader(moof, tfdt).version === 1 ? 8 : 4), samples };
  }
  return null;
}

function readTrun(moof: Buffer, trun: BoxRef, defaultDuration: number, defaultFlags: number, onSample?: (durationTicks: number, ctsTicks: number) => void) {
  const { version, flags } = fullBoxHeader(moof, trun);
  const count = moof.readUInt32BE(trun.body + 4);
  let at = trun.body + 8;
  if (flags & 0x01) at += 4;
  let firstFlags: number | null = null;
  if (flags & 0x04) { firstFlags = moof.readUInt32BE(at); at += 4; }
  const fieldBytes = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
  let durationTicks = 0;
  for (let i = 0; i < count && at + fieldBytes <= trun.end; i++) {
    let field = at;
    const duration = flags & 0x100 ? moof.readUInt32BE(field) : defaultDuration;
    durationTicks += duration;
    if (flags & 0x100) field += 4;
    if (flags & 0x200) field += 4;
    if (i === 0 && firstFlags === null) firstFlags = flags & 0x400 ? moof.readUInt32BE(field) : defaultFlags;
    if (flags & 0x400) field += 4;
    // Composition offset: signed in trun version 1 (B-frames written with negative offsets).
    if (onSample) onSample(duration, flags & 0x800 ? (version === 1 ? moof.readInt32BE(field) : moof.readUInt32BE(field)) : 0);
    at += fieldBytes;
  }
  return { count, durationTicks, firstFlags: firstFlags ?? defaultFlags };
}

