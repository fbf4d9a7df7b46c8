/**
 * SHA-256 of a file, read in large chunks. Right after a segment closes the file is in the
 * page cache, so sealing costs CPU (the hash) and a memory copy, not disk reads. `pace`
 * lets the background check bound its read rate; `hashMs` is the time spent inside the
 * hash function (synchronous work on the event loop, i.e. CPU), for the cost figures.
 *
 * Two ways to read. A file that may be on the disk only (catch-up, re-checks, fsck) is read
 * through the thread pool, so a slow disk never blocks the event loop. A file just written
 * (`inPageCache`) is read synchronously, a chunk per event-loop turn: the copy from the
 * page cache takes ~0.06 ms per MiB, less than the thread-pool hop, its promise and the
 * cache misses of hashing bytes another core copied. `npx tsx bench/hash-read.ts` on the
 * dev box: 0.81 s of CPU per GB through the pool, 0.66 in place, 0.56 for the hash alone.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface FileHash {
  readonly sha256: string;
  readonly sizeBytes: number;
  /** Milliseconds spent hashing (CPU on the main thread), reads excluded. */
  readonly hashMs: number;
}

export interface HashOptions {
  /** Called after each chunk with its size; awaiting it slows the read (rate bound). */
  readonly pace?: (bytes: number) => Promise<void>;
  readonly chunkBytes?: number;
  /**
   * A read buffer to reuse (the caller hashes one file at a time with it). Without it
   * each call allocates its own; a fresh 1 MiB per segment was GC churn at 16 cameras.
   */
  readonly buffer?: Buffer;
  /** The file was just written (its bytes are in the page cache): read it in place. */
  readonly inPageCache?: boolean;
}

const defaultChunkBytes = 1 << 20;

export async function hashFile(absPath: string, opts: HashOptions = {}): Promise<FileHash> {
  const file = opts.inPageCache ? openInPlace(absPath) : await openThroughPool(absPath);
  const hash = createHash('sha256');
  const buf = opts.buffer ?? Buffer.allocUnsafe(opts.chunkBytes ?? defaultChunkBytes);
  let sizeBytes = 0;
  let hashMs = 0;
  try {
    for (;;) {
      const bytesRead = await file.read(buf, sizeBytes);
      if (bytesRead === 0) break;
      const t0 = performance.now();
      hash.update(buf.subarray(0, bytesRead));
      hashMs += performance.now() - t0;
      sizeBytes += bytesRead;
      if (opts.pace) await opts.pace(bytesRead);
    }
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes, hashMs };
}

/** A file open for reading chunk after chunk at a position. */
interface ChunkReader {
  read(buf: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

function openInPlace(absPath: string): ChunkReader {
  const fd = openSync(absPath, 'r');
  return {
    async read(buf, position) {
      const bytesRead = readSync(fd, buf, 0, buf.length, position);
      // One chunk per turn of the event loop: HTTP and the recorders' pipes get in between.
      await nextTurn();
      return bytesRead;
    },
    async close() { closeSync(fd); },
  };
}

async function openThroughPool(absPath: string): Promise<ChunkReader> {
  const fh = await open(absPath, 'r');
  return {
    async read(buf, position) { return (await fh.read(buf, 0, buf.length, position)).bytesRead; },
    close: () => fh.close(),
  };
}
