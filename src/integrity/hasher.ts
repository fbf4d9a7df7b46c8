/**
 * SHA-256 of a file, read in large chunks. Right after a segment closes the file is in the
 * page cache, so sealing costs CPU (the hash) and a memory copy, not disk reads. `pace`
 * lets the background check bound its read rate; `hashMs` is the time spent inside the
 * hash function (synchronous work on the event loop, i.e. CPU), for the cost figures.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

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
}

const defaultChunkBytes = 1 << 20;

export async function hashFile(absPath: string, opts: HashOptions = {}): Promise<FileHash> {
  const hash = createHash('sha256');
  const buf = opts.buffer ?? Buffer.allocUnsafe(opts.chunkBytes ?? defaultChunkBytes);
  const fh = await open(absPath, 'r');
  let sizeBytes = 0;
  let hashMs = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, sizeBytes);
      if (bytesRead === 0) break;
      const t0 = performance.now();
      hash.update(buf.subarray(0, bytesRead));
      hashMs += performance.now() - t0;
      sizeBytes += bytesRead;
      if (opts.pace) await opts.pace(bytesRead);
    }
  } finally {
    await fh.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes, hashMs };
}
