/**
 * Just enough MP4 reading for the browser: the codec string of an init segment (from its
 * avcC / hvcC box, so MediaSource.isTypeSupported can be asked before any byte is
 * appended), the video timescale, and the decode time of each fragment with whether it
 * starts on a keyframe (for stepping from keyframe to keyframe in playback).
 */
interface Box { type: string; start: number; body: number; end: number }

function boxAt(view: DataView, at: number, limit: number): Box | null {
  if (at + 8 > limit) return null;
  let size = view.getUint32(at);
  let header = 8;
  if (size === 1) {
    if (at + 16 > limit) return null;
    size = Number(view.getBigUint64(at + 8));
    header = 16;
  } else if (size === 0) {
    size = limit - at;
  }
  if (size < header) return null;
  const type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5), view.getUint8(at + 6), view.getUint8(at + 7));
  return { type, start: at, body: at + header, end: at + size };
}

function* children(view: DataView, from: number, to: number): Generator<Box> {
  let at = from;
  for (;;) {
    const box = boxAt(view, at, to);
    if (!box || box.end > to) return;
    yield box;
    at = box.end;
  }
}

function child(view: DataView, parent: Box, type: string): Box | null {
  for (const box of children(view, parent.body, parent.end)) if (box.type === type) return box;
  return null;
}

function path(view: DataView, parent: Box, types: readonly string[]): Box | null {
  let at: Box | null = parent;
  for (const type of types) at = at ? child(view, at, type) : null;
  return at;
}

export type Bytes = ArrayBuffer | Uint8Array;

function viewOf(bytes: Bytes): DataView {
  return bytes instanceof Uint8Array ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new DataView(bytes);
}

const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** The first video track of the moov in `init`: its sample entry and its mdhd. */
function videoTrack(view: DataView): { entry: Box; mdhd: Box } | null {
  const moov = [...children(view, 0, view.byteLength)].find((b) => b.type === 'moov');
  if (!moov) return null;
  for (const trak of children(view, moov.body, moov.end)) {
    if (trak.type !== 'trak') continue;
    const hdlr = path(view, trak, ['mdia', 'hdlr']);
    const handler = hdlr ? String.fromCharCode(...[8, 9, 10, 11].map((i) => view.getUint8(hdlr.body + i))) : '';
    const stsd = path(view, trak, ['mdia', 'minf', 'stbl', 'stsd']);
    const mdhd = path(view, trak, ['mdia', 'mdhd']);
    const entry = stsd ? boxAt(view, stsd.body + 8, stsd.end) : null;
    if (handler === 'vide' && entry && mdhd) return { entry, mdhd };
  }
  return null;
}

/** Bits of a 32-bit value in reverse order (HEVC profile compatibility flags). */
function reverse32(value: number): number {
  let out = 0;
  for (let i = 0; i < 32; i++) out = (out << 1) | ((value >>> i) & 1);
  return out >>> 0;
}

function hevcCodec(view: DataView, type: string, c: Box): string {
  const b1 = view.getUint8(c.body + 1);
  const space = ['', 'A', 'B', 'C'][b1 >> 6] ?? '';
  const tier = b1 & 0x20 ? 'H' : 'L';
  const compat = reverse32(view.getUint32(c.body + 2)).toString(16).toUpperCase();
  const constraints = [6, 7, 8, 9, 10, 11].map((i) => view.getUint8(c.body + i));
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const level = view.getUint8(c.body + 12);
  return [`${type}`, `${space}${b1 & 0x1f}`, compat, `${tier}${level}`, ...constraints.map(hex)].join('.');
}

/** 'avc1.42C01F', 'hvc1.1.6.L93.B0', …; null when the init has no readable video entry. */
export function codecString(init: Bytes): string | null {
  const view = viewOf(init);
  const track = videoTrack(view);
  if (!track) return null;
  const { entry } = track;
  // VisualSampleEntry: 78 bytes of fixed fields before its child boxes.
  for (const box of children(view, entry.body + 78, entry.end)) {
    if (box.type === 'avcC') return `${entry.type}.${hex(view.getUint8(box.body + 1))}${hex(view.getUint8(box.body + 2))}${hex(view.getUint8(box.body + 3))}`;
    if (box.type === 'hvcC') return hevcCodec(view, entry.type, box);
  }
  return null;
}

/** Ticks per second of the video track's decode times. */
export function videoTimescale(init: Bytes): number | null {
  const view = viewOf(init);
  const track = videoTrack(view);
  if (!track) return null;
  const { mdhd } = track;
  return view.getUint32(mdhd.body + (view.getUint8(mdhd.body) === 1 ? 20 : 12));
}

export interface FragmentStart {
  /** baseMediaDecodeTime of the fragment's first track, in its timescale. */
  decodeTime: number;
  key: boolean;
}

function firstSampleFlags(view: DataView, traf: Box): number | null {
  const trun = child(view, traf, 'trun');
  const tfhd = child(view, traf, 'tfhd');
  if (trun) {
    const flags = view.getUint32(trun.body) & 0xffffff;
    const at = trun.body + 8 + (flags & 0x01 ? 4 : 0);
    if (flags & 0x04) return view.getUint32(at);
    if (flags & 0x400) return view.getUint32(at + (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0));
  }
  if (tfhd) {
    const flags = view.getUint32(tfhd.body) & 0xffffff;
    if (flags & 0x20) return view.getUint32(tfhd.body + 8 + (flags & 0x01 ? 8 : 0) + (flags & 0x02 ? 4 : 0) + (flags & 0x08 ? 4 : 0) + (flags & 0x10 ? 4 : 0));
  }
  return null;
}

/** Every moof in `media`: its decode time and whether it starts on a keyframe. */
export function fragmentStarts(media: Bytes): FragmentStart[] {
  const view = viewOf(media);
  const out: FragmentStart[] = [];
  for (const box of children(view, 0, view.byteLength)) {
    if (box.type !== 'moof') continue;
    const traf = child(view, box, 'traf');
    const tfdt = traf ? child(view, traf, 'tfdt') : null;
    if (!traf || !tfdt) continue;
    const decodeTime = view.getUint8(tfdt.body) === 1 ? Number(view.getBigUint64(tfdt.body + 4)) : view.getUint32(tfdt.body + 4);
    const flags = firstSampleFlags(view, traf);
    // Unknown flags: the recorder cuts a fragment per keyframe, so assume it is one.
    out.push({ decodeTime, key: flags === null || (flags & 0x10000) === 0 });
  }
  return out;
}
