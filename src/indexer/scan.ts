/**
 * One walk of the recordings root: <root>/<camera>/<YYYY-MM-DD>/<runKey>-<seq:6>.mp4.
 * One readdir per folder and no stat per file, so 10k+ files cost a few hundred
 * readdirs (one per camera-day). Anything else found is listed as unexpected, never touched.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { segmentFilePattern } from '../core/types.js';

export interface SegmentFile {
  readonly cameraId: string;
  readonly runKey: string;
  readonly seq: number;
  /** Relative to the recordings root, with '/' separators (as stored in rel_path). */
  readonly relPath: string;
}

export interface RecordingsScan {
  /** Well-named segment files by camera, keyed by relPath. */
  readonly files: Map<string, Map<string, SegmentFile>>;
  /** Day folders seen (relative), candidates for removal when empty. */
  readonly dayDirs: string[];
  /** Entries that do not fit the naming scheme (relative), reported and left alone. */
  readonly unexpected: string[];
}

export const cameraDirPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const dayDirPattern = /^\d{4}-\d{2}-\d{2}$/;

export async function scanRecordings(root: string): Promise<RecordingsScan> {
  const scan: RecordingsScan = { files: new Map(), dayDirs: [], unexpected: [] };
  for (const cam of await list(root)) {
    if (!cam.isDirectory() || !cameraDirPattern.test(cam.name)) {
      scan.unexpected.push(cam.name);
      continue;
    }
    const byPath = new Map<string, SegmentFile>();
    scan.files.set(cam.name, byPath);
    for (const day of await list(path.join(root, cam.name))) {
      const dayRel = `${cam.name}/${day.name}`;
      if (!day.isDirectory() || !dayDirPattern.test(day.name)) {
        scan.unexpected.push(dayRel);
        continue;
      }
      scan.dayDirs.push(dayRel);
      await scanDay(root, cam.name, dayRel, byPath, scan.unexpected);
    }
  }
  return scan;
}

async function scanDay(root: string, cameraId: string, dayRel: string, out: Map<string, SegmentFile>, unexpected: string[]): Promise<void> {
  for (const entry of await list(path.join(root, dayRel))) {
    const relPath = `${dayRel}/${entry.name}`;
    const m = entry.isFile() ? segmentFilePattern.exec(entry.name) : null;
    if (m === null || Number(m[2]) < 1) {
      unexpected.push(relPath);
      continue;
    }
    out.set(relPath, { cameraId, runKey: m[1] ?? '', seq: Number(m[2]), relPath });
  }
}

async function list(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
