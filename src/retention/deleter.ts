/**
 * Crash-safe deletion, the file half. Rows are already in `garbage` (moved there in one
 * transaction with the removal of their segment rows); here each file is unlinked, then
 * the garbage rows of the files that are gone are dropped in one transaction. A crash
 * anywhere leaves garbage rows whose files may or may not exist: the next flush (at
 * start-up, before reconciliation) finishes them. A file already missing counts as gone.
 * A failed unlink is logged, counted and left in garbage to be retried: never silent.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/db.js';

/** Exact-moment fault injection for tests (a crash at any point of a batch). */
export interface DeletionFaults {
  /**
   * Awaited before every unlink and once more before the batch's garbage rows are dropped,
   * with the number of files handled so far in this flush: a test that never resolves it
   * at call k and kills the process has crashed exactly there.
   */
  checkpoint?(handled: number): Promise<void> | void;
}

export interface DeleterDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly log: Logger;
  readonly faults?: DeletionFaults;
  /** UTC day (YYYY-MM-DD) of now: day folders before it are removed once empty. */
  readonly today: () => string;
}

export interface FlushReport {
  /** Files unlinked. */
  unlinked: number;
  /** Garbage rows whose file was already gone. */
  missing: number;
  /** Unlinks that failed (left in garbage, retried next time). */
  failed: number;
  /** Indexed size of the files unlinked. */
  bytes: number;
}

const batchSize = 500;

export class Deleter {
  /** Failed unlinks since start (health). */
  failures = 0;
  lastError: string | null = null;

  constructor(private readonly deps: DeleterDeps) {}

  /** Unlink every file in garbage and drop the rows of those that are gone. */
  async flush(): Promise<FlushReport> {
    const report: FlushReport = { unlinked: 0, missing: 0, failed: 0, bytes: 0 };
    const folders = new Set<string>();
    let afterId = 0;
    for (;;) {
      const rows = this.deps.store.garbage.pending(batchSize, afterId);
      if (rows.length === 0) break;
      const gone: number[] = [];
      for (const row of rows) {
        await this.deps.faults?.checkpoint?.(report.unlinked + report.missing + report.failed);
        afterId = row.id;
        const outcome = await this.unlink(row.relPath, row.id);
        if (outcome === 'failed') { report.failed += 1; continue; }
        gone.push(row.id);
        folders.add(path.posix.dirname(row.relPath));
        if (outcome === 'missing') report.missing += 1;
        else { report.unlinked += 1; report.bytes += row.sizeBytes; }
      }
      await this.deps.faults?.checkpoint?.(report.unlinked + report.missing + report.failed);
      this.deps.store.garbage.drop(gone);
    }
    await this.removeEmptyFolders(folders);
    return report;
  }

  private async unlink(relPath: string, id: number): Promise<'unlinked' | 'missing' | 'failed'> {
    try {
      await fs.unlink(path.join(this.deps.recordingsDir, relPath));
      return 'unlinked';
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return 'missing';
      this.failures += 1;
      this.lastError = `${relPath}: ${e.code ?? 'error'} ${e.message}`;
      this.deps.log.error({ relPath, code: e.code, err: e.message }, 'segment file could not be deleted; kept in garbage and retried');
      this.deps.store.garbage.noteFailure(id, `${e.code ?? 'error'}: ${e.message}`);
      return 'failed';
    }
  }

  /**
   * Day folders emptied by the deletion go too, except today's: the recorder creates its
   * run folder just before ffmpeg opens the first file there, and an rmdir in between would
   * cost a restart. rmdir only removes an empty folder, so nothing else is at risk.
   */
  private async removeEmptyFolders(folders: ReadonlySet<string>): Promise<void> {
    const today = this.deps.today();
    for (const rel of folders) {
      if (path.posix.basename(rel) >= today) continue;
      try {
        await fs.rmdir(path.join(this.deps.recordingsDir, rel));
      } catch {
        // Not empty (more footage that day) or already gone: both fine.
      }
    }
  }
}
