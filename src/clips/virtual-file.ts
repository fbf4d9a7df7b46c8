/**
 * A file that exists only as a recipe: bytes from memory and byte ranges of segment
 * files, with a few integers patched on the way out. Its length is known before the first
 * byte is read, so HTTP can answer Content-Length and any byte range (resume) without
 * building the file. Reads go straight from the page cache to the socket in large
 * chunks, with two chunks of read-ahead per response at most.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** Overwrite `bytes` at offset `at` of the part (relative to the part's first byte). */
export interface Patch {
  readonly at: number;
  readonly bytes: Buffer;
}

export type Part =
  | { readonly kind: 'memory'; readonly data: Buffer }
  | { readonly kind: 'file'; readonly absPath: string; readonly start: number; readonly end: number; readonly patches: readonly Patch[] };

export interface VirtualFile {
  readonly parts: readonly Part[];
  readonly lengthBytes: number;
}

export function virtualFile(parts: readonly Part[]): VirtualFile {
  return { parts, lengthBytes: parts.reduce((n, p) => n + partLength(p), 0) };
}

function partLength(p: Part): number {
  return p.kind === 'memory' ? p.data.length : p.end - p.start;
}

/** Read size per syscall: big enough that per-chunk costs vanish next to the copy. */
const chunkBytes = 1 << 20;

/** A stream of bytes [start, endExclusive) of the file, with a counter of bytes handed out. */
export interface RangeStream {
  readonly stream: Readable;
  /** Bytes the stream has produced so far (what a consumer may have written). */
  producedBytes(): number;
}

export function openRange(file: VirtualFile, start = 0, endExclusive = file.lengthBytes): RangeStream {
  let produced = 0;
  async function* generate(): AsyncGenerator<Buffer> {
    let partStart = 0;
    for (const part of file.parts) {
      const length = partLength(part);
      const from = Math.max(start, partStart) - partStart;
      const to = Math.min(endExclusive, partStart + length) - partStart;
      partStart += length;
      if (to <= from) continue;
      for await (const chunk of readPart(part, from, to)) {
        produced += chunk.length;
        yield chunk;
      }
    }
  }
  // Two chunks of read-ahead: the next file read runs while the socket sends the last
  // chunk, and a response never holds more than ~3 MiB (what a cut-off one discards).
  const stream = Readable.from(generate(), { objectMode: false, highWaterMark: 2 * chunkBytes });
  return { stream, producedBytes: () => produced };
}

async function* readPart(part: Part, from: number, to: number): AsyncGenerator<Buffer> {
  if (part.kind === 'memory') {
    yield part.data.subarray(from, to);
    return;
  }
  const fh = await open(part.absPath, 'r');
  try {
    for (let at = from; at < to; at += chunkBytes) {
      const chunk = await readExactly(fh, part.start + at, Math.min(chunkBytes, to - at), part.absPath);
      applyPatches(chunk, at, part.patches);
      yield chunk;
    }
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: FileHandle, pos: number, length: number, absPath: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, pos + filled);
    if (bytesRead === 0) throw new Error(`${absPath} ended early at byte ${pos + filled} (it shrank after indexing)`);
    filled += bytesRead;
  }
  return buf;
}

/** Apply the patches overlapping a chunk that holds part bytes [chunkAt, chunkAt + length). */
export function applyPatches(chunk: Buffer, chunkAt: number, patches: readonly Patch[]): void {
  const chunkEnd = chunkAt + chunk.length;
  for (const p of patches) {
    const pEnd = p.at + p.bytes.length;
    if (pEnd <= chunkAt || p.at >= chunkEnd) continue;
    const from = Math.max(p.at, chunkAt);
    const to = Math.min(pEnd, chunkEnd);
    p.bytes.copy(chunk, from - chunkAt, from - p.at, to - p.at);
  }
}
