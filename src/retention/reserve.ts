/**
 * A small ballast file on the recordings disk. On a disk filled to the last byte by
 * something else, SQLite cannot write the transaction that moves rows to garbage, and
 * without it no file may be deleted (the crash-safe order). Deleting the ballast gives
 * that transaction room; it is written back once free space is above the high-water mark.
 */
import fs from 'node:fs/promises';
import type { Logger } from '../core/logger.js';

const chunkBytes = 1 << 20;

export class Reserve {
  constructor(private readonly file: string, private readonly log: Logger) {}

  /** Between 1 MiB and 64 MiB: 1/64 of the disk. */
  static sizeFor(totalBytes: number): number {
    return Math.min(64 * chunkBytes, Math.max(chunkBytes, Math.floor(totalBytes / 64 / chunkBytes) * chunkBytes));
  }

  async present(): Promise<boolean> {
    try {
      await fs.access(this.file);
      return true;
    } catch {
      return false;
    }
  }

  /** Write the ballast (real blocks, not a sparse file). A failure leaves no partial file. */
  async ensure(sizeBytes: number): Promise<void> {
    if (await this.present()) return;
    const partial = `${this.file}.tmp`;
    try {
      const handle = await fs.open(partial, 'w');
      try {
        const zeros = Buffer.alloc(chunkBytes);
        for (let written = 0; written < sizeBytes; written += chunkBytes) await handle.write(zeros, 0, Math.min(chunkBytes, sizeBytes - written));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(partial, this.file);
      this.log.info({ file: this.file, sizeBytes }, 'disk reserve written');
    } catch (err) {
      await fs.rm(partial, { force: true });
      this.log.warn({ err: (err as Error).message }, 'disk reserve not written; retried later');
    }
  }

  /** Free the ballast's space; true when there was one. */
  async release(): Promise<boolean> {
    try {
      await fs.unlink(this.file);
      this.log.warn({ file: this.file }, 'disk reserve released so the index can record deletions');
      return true;
    } catch {
      return false;
    }
  }
}
