/**
 * A second opinion on the recordings folder while the daemon runs (chokidar). It is not
 * how segments are learnt (ffmpeg's segment list is): it notices what nobody told us.
 *  - An indexed file removed by hand: its row goes (the index must not promise footage
 *    that is gone), with a warning naming the file.
 *  - A file the daemon did not write: reported (log, health counter), never indexed.
 *    A badly named entry is foreign at once; a well-named file is foreign if, after a
 *    grace period, neither its row nor its run exists (a recorder's new file has its run
 *    row within seconds of ffmpeg opening it).
 * Our own deletions are silent: their rows left `segments` before the unlink.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../core/logger.js';
import { segmentFilePattern } from '../core/types.js';
import { cameraDirPattern, dayDirPattern } from '../indexer/scan.js';
import type { Store } from '../store/db.js';

export interface FilesWatcherDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly log: Logger;
  /** How long a well-named new file may wait for its run row before it counts as foreign. */
  readonly graceMs: number;
}

export interface WatcherStats {
  readonly removedByHand: number;
  readonly foreignFiles: number;
  /** The latest foreign entries (relative paths), newest last. */
  readonly recentForeign: readonly string[];
  readonly error: string | null;
}

const keepForeign = 10;

export class FilesWatcher {
  private watcher: FSWatcher | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private removedByHand = 0;
  private foreign: string[] = [];
  private foreignCount = 0;
  private error: string | null = null;

  constructor(private readonly deps: FilesWatcherDeps) {}

  /** Resolves once the initial tree is read (events before that are not reported). */
  async start(): Promise<void> {
    const w = watch(this.deps.recordingsDir, { ignoreInitial: true, depth: 2, persistent: true });
    this.watcher = w;
    w.on('unlink', (abs) => this.onUnlink(this.rel(abs)));
    w.on('add', (abs) => this.onAdd(this.rel(abs)));
    w.on('addDir', (abs) => this.onAddDir(this.rel(abs)));
    w.on('error', (err) => {
      this.error = (err as Error).message;
      this.deps.log.error({ err: this.error }, 'recordings watcher error');
    });
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  stats(): WatcherStats {
    return { removedByHand: this.removedByHand, foreignFiles: this.foreignCount, recentForeign: [...this.foreign], error: this.error };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.watcher?.close();
    this.watcher = null;
  }

  private rel(abs: string): string {
    return path.relative(this.deps.recordingsDir, abs).split(path.sep).join('/');
  }

  private onUnlink(relPath: string): void {
    const row = this.deps.store.usage.segmentAt(relPath);
    if (!row) return; // ours (already in garbage) or never indexed
    try {
      this.deps.store.segments.deleteByIds([row.id]);
      this.removedByHand += 1;
      this.deps.log.warn({ cameraId: row.cameraId, relPath }, 'segment file removed outside the daemon: its row is removed from the index');
    } catch (err) {
      // The row stays; start-up reconciliation removes it. Never fatal.
      this.deps.log.error({ relPath, err: (err as Error).message }, 'row of a removed file not deleted; reconciliation will');
    }
  }

  private onAddDir(relPath: string): void {
    const parts = relPath.split('/');
    const ok = parts.length === 1 ? cameraDirPattern.test(parts[0] ?? '') : parts.length === 2 && dayDirPattern.test(parts[1] ?? '');
    if (!ok && relPath !== '') this.reportForeign(relPath, 'folder does not fit <camera>/<YYYY-MM-DD>');
  }

  private onAdd(relPath: string): void {
    const parts = relPath.split('/');
    const m = parts.length === 3 ? segmentFilePattern.exec(parts[2] ?? '') : null;
    if (!m || !cameraDirPattern.test(parts[0] ?? '') || !dayDirPattern.test(parts[1] ?? '')) {
      this.reportForeign(relPath, 'name does not fit <camera>/<YYYY-MM-DD>/<runKey>-<seq>.mp4');
      return;
    }
    const cameraId = parts[0]!;
    const runKey = m[1]!;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.checkOwned(relPath, cameraId, runKey);
    }, this.deps.graceMs);
    timer.unref();
    this.timers.add(timer);
  }

  private checkOwned(relPath: string, cameraId: string, runKey: string): void {
    try {
      const { store } = this.deps;
      if (store.usage.segmentAt(relPath) || store.runs.getByKey(cameraId, runKey) || store.garbage.has(relPath)) return;
      this.reportForeign(relPath, 'no run of this daemon wrote it');
    } catch (err) {
      this.deps.log.warn({ relPath, err: (err as Error).message }, 'could not check a new file');
    }
  }

  private reportForeign(relPath: string, why: string): void {
    this.foreignCount += 1;
    this.foreign = [...this.foreign, relPath].slice(-keepForeign);
    this.deps.log.warn({ relPath, why }, 'file in the recordings folder that the daemon did not write: reported, not indexed');
  }
}
