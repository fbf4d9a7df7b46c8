/**
 * Cuts ffmpeg's fragmented MP4 output (a byte stream on a pipe) into what live viewers
 * need: the init segment (ftyp + moov) once, then whole fragments (moof + mdat), each
 * marked when it starts on a keyframe. A viewer that joins late or falls behind can only
 * start at such a fragment, so the flag drives the cache and the per-viewer drops.
 * Nothing is decoded: only box headers and the first sample's flags are read.
 */
import { boxAt, findChild, findChildren, fullBoxHeader, type BoxRef } from '../clips/mp4-boxes.js';

export interface Fmp4Sink {
  onInit(init: Buffer): void;
  onFragment(fragment: Buffer, key: boolean): void;
}

/** A box bigger than this is garbage (or a stream we cannot fan out): stop. */
const maxBoxBytes = 64 * 1024 * 1024;
const nonSyncFlag = 0x10000;

export class Fmp4Splitter {
  private pending: Buffer = Buffer.alloc(0);
  private ftyp: Buffer | null = null;
  private moof: Buffer | null = null;
  /** trex default_sample_flags per track id (the moov's defaults for fragments). */
  private trexFlags = new Map<number, number>();

  constructor(private readonly sink: Fmp4Sink) {}

  /** Feed the next bytes; throws on a malformed stream (the caller stops the source). */
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    for (;;) {
      const box = boxAt(this.pending, at);
      if (!box) break;
      const size = box.end - box.start;
      if (size > maxBoxBytes) throw new Error(`MP4 box '${box.type}' of ${size} bytes is too large for live view`);
      if (box.end > this.pending.length) break;
      this.take(box.type, this.pending.subarray(box.start, box.end));
      at = box.end;
    }
    // Copy the rest so the big buffer of whole boxes can be freed.
    this.pending = at === 0 ? this.pending : Buffer.from(this.pending.subarray(at));
  }

  private take(type: string, bytes: Buffer): void {
    if (type === 'ftyp') this.ftyp = Buffer.from(bytes);
    else if (type === 'moov') {
      this.trexFlags = trexDefaults(bytes);
      this.sink.onInit(Buffer.concat(this.ftyp ? [this.ftyp, bytes] : [bytes]));
    } else if (type === 'moof') this.moof = Buffer.from(bytes);
    else if (type === 'mdat' && this.moof) {
      const key = firstSampleIsKey(this.moof, this.trexFlags);
      this.sink.onFragment(Buffer.concat([this.moof, bytes]), key);
      this.moof = null;
    }
    // Anything else (free, sidx, styp) carries nothing a MediaSource needs.
  }
}

function trexDefaults(moov: Buffer): Map<number, number> {
  const out = new Map<number, number>();
  const root = boxAt(moov, 0);
  const mvex = root ? findChild(moov, root, 'mvex') : undefined;
  for (const trex of mvex ? findChildren(moov, mvex, 'trex') : []) {
    if (trex.end - trex.body >= 24) out.set(moov.readUInt32BE(trex.body + 4), moov.readUInt32BE(trex.body + 20));
  }
  return out;
}

/** Is the first sample of the fragment's first track a sync sample (a keyframe)? */
export function firstSampleIsKey(moof: Buffer, trexFlags: ReadonlyMap<number, number>): boolean {
  const root = boxAt(moof, 0);
  const traf = root ? findChild(moof, root, 'traf') : undefined;
  const tfhd = traf ? findChild(moof, traf, 'tfhd') : undefined;
  const trun = traf ? findChild(moof, traf, 'trun') : undefined;
  if (!traf || !tfhd || !trun) return false;
  const flags = firstTrunFlags(moof, trun) ?? tfhdDefaultFlags(moof, tfhd) ?? trexFlags.get(moof.readUInt32BE(tfhd.body + 4));
  return flags !== undefined && (flags & nonSyncFlag) === 0;
}

function tfhdDefaultFlags(moof: Buffer, tfhd: BoxRef): number | undefined {
  const { flags } = fullBoxHeader(moof, tfhd);
  if (!(flags & 0x20)) return undefined;
  // version/flags, track_ID, then the optional fields present before default_sample_flags.
  const at = tfhd.body + 8 + (flags & 0x01 ? 8 : 0) + (flags & 0x02 ? 4 : 0) + (flags & 0x08 ? 4 : 0) + (flags & 0x10 ? 4 : 0);
  return at + 4 <= tfhd.end ? moof.readUInt32BE(at) : undefined;
}

/** first_sample_flags, else the first sample's own flags; undefined when the trun has neither. */
function firstTrunFlags(moof: Buffer, trun: BoxRef): number | undefined {
  const { flags } = fullBoxHeader(moof, trun);
  let at = trun.body + 8 + (flags & 0x01 ? 4 : 0);
  if (flags & 0x04) return at + 4 <= trun.end ? moof.readUInt32BE(at) : undefined;
  if (!(flags & 0x400) || moof.readUInt32BE(trun.body + 4) === 0) return undefined;
  at += (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0);
  return at + 4 <= trun.end ? moof.readUInt32BE(at) : undefined;
}
