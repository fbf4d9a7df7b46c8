/**
 * One daemon per data dir. Two recorders writing and reconciling the same folder would
 * delete each other's rows; the lock file holds the owner's pid and a stale one (its
 * process is gone, e.g. after kill -9) is taken over.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { NvrError } from './errors.js';

export interface DataDirLock {
  release(): void;
}

export function acquireDataDirLock(file: string): DataDirLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o640);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => { try { if (ownerPid(file) === process.pid) unlinkSync(file); } catch { /* already gone */ } } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = ownerPid(file);
      if (pid !== null && pid !== process.pid && isAlive(pid)) {
        throw new NvrError('CONFLICT', `data dir is in use by another nvr (pid ${pid}, lock ${file})`);
      }
      unlinkSync(file);
    }
  }
  throw new NvrError('CONFLICT', `cannot take the data dir lock ${file}`);
}

function ownerPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch { return null; }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
