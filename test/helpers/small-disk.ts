/**
 * A real, small file system for disk-full tests: an ext4 image of a few tens of MB,
 * loop-mounted (needs root, as CI runs). `-m 0`: no blocks reserved for root, so what
 * statfs calls available is exactly what ffmpeg and SQLite can still write.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmallDisk {
  /** The mount point: an empty ext4 file system of about the size asked for. */
  readonly dir: string;
  availableBytes(): number;
  totalBytes(): number;
  /** Unmount and remove the image (retries a busy unmount lazily). */
  cleanup(): void;
}

/** Why disk tests cannot run here, or null when they can. */
export function smallDiskUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to loop-mount an ext4 image (CI runs as root)';
  return null;
}

export function mountSmallDisk(sizeMb: number): SmallDisk {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-disk-'));
  const image = path.join(base, 'disk.img');
  const dir = path.join(base, 'mnt');
  fs.mkdirSync(dir);
  execFileSync('truncate', ['-s', `${sizeMb}M`, image]);
  execFileSync('mkfs.ext4', ['-F', '-q', '-m', '0', image]);
  execFileSync('mount', ['-o', 'loop', image, dir]);
  const stat = () => fs.statfsSync(dir);
  return {
    dir,
    availableBytes: () => { const s = stat(); return s.bavail * s.bsize; },
    totalBytes: () => { const s = stat(); return s.blocks * s.bsize; },
    cleanup() {
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * Fill the file system to the last block with one file the daemon did not write, as
 * another program would. Returns its path; delete it to give the space back.
 */
export function fillDisk(dir: string, name = 'foreign-filler.bin', leaveBytes = 0): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'a');
  try {
    for (const chunk of [1 << 20, 64 << 10, 4 << 10]) {
      const buf = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        const s = fs.statfsSync(dir);
        if (s.bavail * s.bsize - chunk < leaveBytes) break;
        try {
          fs.writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
