/**
 * The smallest ISO-BMFF (MP4) box toolkit clips need: walk the boxes of a buffer, read
 * the few full boxes we interpret, and write boxes. No media is decoded or re-encoded:
 * clips are built by copying the recorded fragments and rewriting a handful of integers.
 */

export interface BoxRef {
  readonly type: string;
  /** Offset of the box header in the buffer (or file) it was read from. */
  readonly start: number;
  /** Offset of the payload (after the 8- or 16-byte header). */
  readonly body: number;
  /** Offset just after the box. */
  readonly end: number;
}

/** Read one box header at `at` of `buf`; null when fewer than 8 bytes remain or it is malformed. */
export function boxAt(buf: Buffer, at: number, base = 0): BoxRef | null {
  if (at + 8 > buf.length) return null;
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let header = 8;
  if (size === 1) {
    if (at + 16 > buf.length) return null;
    size = Number(buf.readBigUInt64BE(at + 8));
    header = 16;
  } else if (size === 0) {
    // "extends to the end of the file": only legal for the last box; an mdat being written.
    size = Number.MAX_SAFE_INTEGER - at - base;
  }
  if (size < header) return null;
  return { type, start: base + at, body: base + at + header, end: base + at + size };
}

/** The child boxes of the region [from, to) of `buf` (offsets relative to buf). */
export function childBoxes(buf: Buffer, from: number, to: number): BoxRef[] {
  const out: BoxRef[] = [];
  let at = from;
  while (at + 8 <= to) {
    const box = boxAt(buf, at);
    if (!box || box.end > to) break;
    out.push(box);
    at = box.end;
  }
  return out;
}

export function findChild(buf: Buffer, parent: BoxRef, type: string): BoxRef | undefined {
  return childBoxes(buf, parent.body, parent.end).find((b) => b.type === type);
}

export function findChildren(buf: Buffer, parent: BoxRef, type: string): BoxRef[] {
  return childBoxes(buf, parent.body, parent.end).filter((b) => b.type === type);
}

/** Follow a path of box types below `parent` (first match at each level). */
export function findPath(buf: Buffer, parent: BoxRef, path: readonly string[]): BoxRef | undefined {
  let current: BoxRef | undefined = parent;
  for (const type of path) {
    if (!current) return undefined;
    current = findChild(buf, current, type);
  }
  return current;
}

/** Version and 24-bit flags of a full box. */
export function fullBoxHeader(buf: Buffer, box: BoxRef): { version: number; flags: number } {
  return { version: buf.readUInt8(box.body), flags: buf.readUInt32BE(box.body) & 0xffffff };
}

/** An unsigned integer of 4 or 8 bytes; 8-byte values stay exact up to 2^53. */
export function readUint(buf: Buffer, at: number, bytes: 4 | 8): number {
  return bytes === 8 ? Number(buf.readBigUInt64BE(at)) : buf.readUInt32BE(at);
}

/** Bytes holding `value` as a big-endian unsigned integer of 4 or 8 bytes. */
export function uintBytes(value: number, bytes: 4 | 8): Buffer {
  const out = Buffer.alloc(bytes);
  if (bytes === 8) out.writeBigUInt64BE(BigInt(value));
  else out.writeUInt32BE(value);
  return out;
}

/** A box with a 32-bit size header around the given payload pieces. */
export function makeBox(type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, ...payload], size);
}

/** A full box (version + flags) around the given payload pieces. */
export function makeFullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff));
  return makeBox(type, vf, ...payload);
}
