/**
 * The init part of a built file (ftyp + moov) and what a player needs to know about its
 * codecs. The moov is the recorded one with its mvex extended by an mehd box that states
 * the total duration, so a player shows the length and a seek bar before it has read
 * every fragment.
 */
import { boxAt, childBoxes, findChild, findPath, makeBox, makeFullBox, uintBytes, type BoxRef } from './mp4-boxes.js';
import type { SegmentIndex } from './fragment-index.js';

/** ftyp + moov of `index`, with mehd = `durationSec` (omitted when not > 0). */
export function buildInit(index: SegmentIndex, durationSec: number): Buffer {
  if (!(durationSec > 0)) return Buffer.concat([index.ftyp, index.moov]);
  const moov = index.moov;
  const root = boxAt(moov, 0)!;
  const mehd = makeFullBox('mehd', 1, 0, uintBytes(Math.round(durationSec * index.movieTimescale), 8));
  const children = childBoxes(moov, root.body, root.end).map((child) => {
    if (child.type !== 'mvex') return moov.subarray(child.start, child.end);
    const kept = childBoxes(moov, child.body, child.end).filter((b) => b.type !== 'mehd');
    return makeBox('mvex', mehd, ...kept.map((b) => moov.subarray(b.start, b.end)));
  });
  return Buffer.concat([index.ftyp, makeBox('moov', ...children)]);
}

export interface CodecInfo {
  /** Video sample entry: avc1, avc3, hvc1, hev1, ... (null without video). */
  readonly video: string | null;
  /** RFC 6381 codecs parameter, e.g. `avc1.640028,mp4a.40.2` (for MSE / HLS CODECS). */
  readonly codecs: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly audio: string | null;
  /**
   * Whether common browsers (Chrome, Firefox, Edge without hardware HEVC) play it. H.265
   * plays only in Safari and some hardware-backed builds.
   */
  readonly browserPlayable: boolean;
}

export function codecInfo(index: SegmentIndex): CodecInfo {
  const moov = index.moov;
  const root = boxAt(moov, 0)!;
  let video: string | null = null;
  let audio: string | null = null;
  let width: number | null = null;
  let height: number | null = null;
  const codecs: string[] = [];
  for (const trak of childBoxes(moov, root.body, root.end).filter((b) => b.type === 'trak')) {
    const stsd = findPath(moov, trak, ['mdia', 'minf', 'stbl', 'stsd']);
    const entry = stsd ? boxAt(moov, stsd.body + 8) : null;
    if (!entry || entry.end > stsd!.end) continue;
    const hdlr = findPath(moov, trak, ['mdia', 'hdlr']);
    const handler = hdlr ? moov.toString('latin1', hdlr.body + 8, hdlr.body + 12) : '';
    if (handler === 'vide' && video === null) {
      video = entry.type;
      width = moov.readUInt16BE(entry.body + 24);
      height = moov.readUInt16BE(entry.body + 26);
      codecs.push(videoCodecString(moov, entry));
    } else if (handler === 'soun' && audio === null) {
      audio = entry.type;
      codecs.push(entry.type === 'mp4a' ? 'mp4a.40.2' : entry.type);
    }
  }
  const browserPlayable = video === null || video === 'avc1' || video === 'avc3';
  return { video, codecs: codecs.join(','), width, height, audio, browserPlayable };
}

/** avc1.PPCCLL from the avcC record; the bare fourcc for anything else. */
function videoCodecString(moov: Buffer, entry: BoxRef): string {
  // A visual sample entry has 78 bytes of fixed fields before its child boxes.
  const avcC = findChild(moov, { ...entry, body: entry.body + 78 }, 'avcC');
  if ((entry.type === 'avc1' || entry.type === 'avc3') && avcC && avcC.body + 4 <= avcC.end) {
    const hex = (at: number) => moov.readUInt8(at).toString(16).padStart(2, '0');
    return `${entry.type}.${hex(avcC.body + 1)}${hex(avcC.body + 2)}${hex(avcC.body + 3)}`;
  }
  return entry.type;
}
