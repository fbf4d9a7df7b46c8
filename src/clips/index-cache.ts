/**
 * Fragment indexes of segment files, kept in memory (least recently used out). A closed
 * segment never changes, so an entry stays valid while the file keeps its size and
 * modification time; both are checked on every use (one stat), which also notices a
 * file that retention deleted or that a crash left shorter.
 */
import { stat } from 'node:fs/promises';
import { indexSegmentFile, type SegmentIndex } from './fragment-index.js';

export interface IndexedFile {
  readonly absPath: string;
  readonly index: SegmentIndex;
}

interface Entry {
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly index: Promise<SegmentIndex>;
}

export class SegmentIndexCache {
  private readonly entries = new Map<string, Entry>();

  /** ~1 KB per entry (moov + a few dozen fragment records); 4096 ≈ 3 days of one camera. */
  constructor(private readonly maxEntries = 4096) {}

  /** The index of a file; throws ENOENT when it is gone. Concurrent callers share one read. */
  async get(absPath: string): Promise<SegmentIndex> {
    const info = await stat(absPath);
    const hit = this.entries.get(absPath);
    if (hit && hit.sizeBytes === info.size && hit.mtimeMs === info.mtimeMs) {
      this.entries.delete(absPath);
      this.entries.set(absPath, hit);
      return hit.index;
    }
    const index = indexSegmentFile(absPath);
    const entry = { sizeBytes: info.size, mtimeMs: info.mtimeMs, index };
    this.entries.set(absPath, entry);
    index.catch(() => { if (this.entries.get(absPath) === entry) this.entries.delete(absPath); });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return index;
  }

  get size(): number {
    return this.entries.size;
  }
}
