/**
 * A file that exists only as a recipe: bytes from memory and byte ranges of segment
 * files, with a few integers patched on the way out. Its length is known before the first
 * byte is read, so HTTP can answer Content-Length and any byte range (resume) without
 * building the file. Reads go from the page cache to the socket in 1 MiB chunks, and a
 * response holds at most three of them (what a cut-off download wastes).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Readable, type Writable } from 'node:stream';

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

/**
 * Read size per syscall: big enough that per-chunk costs vanish next to the copy (2 and
 * 4 MiB measured no cheaper: bench/clip.ts).
 */
const chunkBytes = 1 << 20;
/** Chunks a response sent over a socket holds at once (being read, or queued in the socket). */
const poolChunks = 3;

/** A stream of bytes [start, endExclusive) of the file, with a counter of bytes handed out. */
export interface RangeStream {
  readonly stream: Readable;
  /** Bytes the stream has produced so far (what a consumer may have written). */
  producedBytes(): number;
}

export function openRange(file: VirtualFile, start = 0, endExclusive = file.lengthBytes): RangeStream {
  const stream = new VirtualFileStream(file, start, endExclusive);
  return { stream, producedBytes: () => stream.producedBytes };
}

/** Part bytes [from, to) of one read: all of a memory part's share, at most a chunk of a file's. */
interface Piece {
  readonly part: Part;
  readonly from: number;
  readonly to: number;
}

function* piecesOf(file: VirtualFile, start: number, endExclusive: number): Generator<Piece> {
  let partStart = 0;
  for (const part of file.parts) {
    const length = partLength(part);
    const from = Math.max(start, partStart) - partStart;
    const to = Math.min(endExclusive, partStart + length) - partStart;
    partStart += length;
    if (to <= from) continue;
    if (part.kind === 'memory') yield { part, from, to };
    else for (let at = from; at < to; at += chunkBytes) yield { part, from: at, to: Math.min(to, at + chunkBytes) };
  }
}

/** Reads the pieces of a range in order, keeping one segment file open at a time. */
class PieceReader {
  private readonly pieces: Iterator<Piece>;
  private fh: FileHandle | null = null;
  private fhPath = '';
  private closed = false;

  constructor(file: VirtualFile, start: number, endExclusive: number) {
    this.pieces = piecesOf(file, start, endExclusive);
  }

  /** The next piece's bytes (file bytes land in `take(length)`, patched); null at the end or once closed. */
  async next(take: (length: number) => Buffer): Promise<Buffer | null> {
    const step = this.closed ? null : this.pieces.next();
    if (!step || step.done) {
      await this.close();
      return null;
    }
    const { part, from, to } = step.value;
    if (part.kind === 'memory') return part.data.subarray(from, to);
    const fh = await this.handleFor(part.absPath);
    if (!fh) return null;
    const chunk = take(to - from);
    await readExactly(fh, chunk, part.start + from, part.absPath);
    applyPatches(chunk, from, part.patches);
    return chunk;
  }

  /** Ends reading; waits for a read in progress (FileHandle.close does), so safe at any time. */
  async close(): Promise<void> {
    this.closed = true;
    await this.swap(null, '');
  }

  private async handleFor(absPath: string): Promise<FileHandle | null> {
    if (this.fhPath === absPath) return this.fh;
    await this.swap(null, '');
    const fh = await open(absPath, 'r');
    // Closed while opening (the response was cut off): nobody else would close this one.
    if (this.closed) {
      await fh.close();
      return null;
    }
    await this.swap(fh, absPath);
    return fh;
  }

  private async swap(fh: FileHandle | null, absPath: string): Promise<void> {
    const old = this.fh;
    this.fh = fh;
    this.fhPath = absPath;
    await old?.close();
  }
}

async function readExactly(fh: FileHandle, buf: Buffer, pos: number, absPath: string): Promise<void> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, pos + filled);
    if (bytesRead === 0) throw new Error(`${absPath} ended early at byte ${pos + filled} (it shrank after indexing)`);
    filled += bytesRead;
  }
}

/**
 * The bytes as a Readable. Piped into an HTTP response on a TCP socket (what fastify does
 * with a stream body) it writes to the response itself, see pump; any other consumer gets
 * a fresh buffer per chunk, with up to two chunks read ahead.
 */
class VirtualFileStream extends Readable {
  producedBytes = 0;
  private readonly reader: PieceReader;
  private pumping = false;

  constructor(file: VirtualFile, start: number, endExclusive: number) {
    super({ highWaterMark: 2 * chunkBytes });
    this.reader = new PieceReader(file, start, endExclusive);
  }

  override _read(): void {
    this.reader.next((n) => Buffer.allocUnsafe(n)).then((chunk) => {
      if (chunk) this.producedBytes += chunk.length;
      this.push(chunk);
    }, (err: Error) => this.destroy(err));
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.reader.close().then(() => done(err), (closeErr: Error) => done(err ?? closeErr));
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
    if (this.pumping || !isSocketResponse(dest) || options?.end === false) return super.pipe(dest, options);
    this.pumping = true;
    this.pump(dest).then(() => {
      // Ends this (empty) Readable too, so whoever waits for its end (fastify) sees it.
      this.push(null);
      this.resume();
    }, (err: Error) => this.destroy(err));
    return dest;
  }

  /**
   * Reads into three buffers, each reused only once the socket has taken its bytes: the
   * write callback of a response on a TCP socket runs after libuv handed them to the
   * kernel (or with an error, or never if the socket died first: then that buffer is not
   * reused). The pool is the backpressure: a slow client holds at most three chunks.
   * A fresh 1 MiB buffer per chunk (the plain Readable path) costs page faults and
   * external-memory GCs; measured in bench/clip.ts, this is where the server CPU went.
   */
  private async pump(res: ServerResponse): Promise<void> {
    const free: Buffer[] = [];
    let allocated = 0;
    let wake: (() => void) | null = null;
    const signal = () => { const w = wake; wake = null; w?.(); };
    res.once('close', signal);
    const gone = () => this.destroyed || res.destroyed;
    try {
      for (;;) {
        while (free.length === 0 && allocated >= poolChunks && !gone()) await new Promise<void>((r) => { wake = r; });
        if (gone()) return;
        const buf = free.pop() ?? (allocated++, Buffer.allocUnsafeSlow(chunkBytes));
        let used = false;
        const chunk = await this.reader.next((n) => { used = true; return buf.subarray(0, n); });
        if (!used) free.push(buf);
        if (chunk === null) break;
        if (gone()) return;
        this.producedBytes += chunk.length;
        res.write(chunk, used ? (err) => { if (!err) free.push(buf); signal(); } : undefined);
      }
      res.end();
    } finally {
      res.off('close', signal);
      await this.reader.close();
    }
  }
}

/** A real HTTP response on a TCP socket: its write callbacks mean the kernel has the bytes. */
function isSocketResponse(dest: NodeJS.WritableStream | Writable): dest is ServerResponse & NodeJS.WritableStream {
  return dest instanceof ServerResponse && dest.socket instanceof Socket;
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
