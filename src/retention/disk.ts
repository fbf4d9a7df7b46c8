/**
 * The disk-usage port: how big the recordings file system is and how much of it an
 * unprivileged writer may still use. The real one asks the kernel (statfs); tests may
 * pass another through the same shape.
 */
import fs from 'node:fs/promises';

export interface DiskSpace {
  readonly totalBytes: number;
  /** What a non-root writer may still use (f_bavail): ffmpeg and SQLite hit ENOSPC at 0. */
  readonly availableBytes: number;
}

export interface DiskUsage {
  space(): Promise<DiskSpace>;
}

export function statfsDisk(dir: string): DiskUsage {
  return {
    async space() {
      const s = await fs.statfs(dir);
      return { totalBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
    },
  };
}
