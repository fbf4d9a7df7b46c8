/**
 * A second opinion on the recordings folder while the daemon runs. It is not how segments
 * are learnt (ffmpeg's segment list is): it notices what nobody told us.
 *  - An indexed file removed by hand (alone, or with its day or camera folder): its row
 *    goes (the index must not promise footage that is gone), with a warning naming it.
 *  - A file the daemon did not write: reported (log, health counter), never indexed.
 *    A badly named entry is foreign at once; a well-named file is foreign if, after a
 *    grace period, neither its row nor its run exists (a recorder's new file has its run
 *    row within seconds of ffmpeg opening it).
 * Our own deletions are silent: their rows left `segments` before the unlink.
 *
 * Built on inotify: one inotifywait for the whole tree when it can run (tree-watch.ts: no
 * event for a write), else fs.watch (one watch per folder: the root, each camera, each
 * day; every fragment ffmpeg writes is an event, ignored). Not chokidar. chokidar re-reads
 * a whole folder (readdir + lstat of every entry) on every file created in it and lstat's a file on every write: with a day folder of 1,440 to
 * 8,640 segments that is thousands of syscalls per new segment, and it was the largest
 * share of the daemon's own CPU at 16 cameras (docs/performance.md). Here a write costs
 * one ignored event and a new or removed name costs one `stat`. Nothing is kept per file.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { segmentFilePattern } from '../core/types.js';
import { cameraDirPattern, dayDirPattern } from '../indexer/scan.js';
import type { Store } from '../store/db.js';
import { startTreeWatch, type TreeWatch } from './tree-watch.js';

export interface FilesWatcherDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly log: Logger;
  /** How long a well-named new file may wait for its run row before it counts as foreign. */
  readonly graceMs: number;
  /** Watch the tree with inotifywait (tree-watch.ts); without it, or if it cannot run, fs.watch. */
  readonly treeWatch?: { readonly spawner: Spawner; readonly command?: string };
}

export interface WatcherStats {
  readonly removedByHand: number;
  readonly foreignFiles: number;
  /** The latest foreign entries (relative paths), newest last. */
  readonly recentForeign: readonly string[];
  /** Folders watched (one inotify watch each). */
  readonly watchedFolders: number;
  /** How the folders are watched. */
  readonly via: 'inotifywait' | 'fs.watch';
  /** Events that reached the daemon (each one a wake-up), writes into files included. */
  readonly events: number;
  readonly error: string | null;
}

const keepForeign = 10;

/** What a relative path is, by depth: '' root, 'cam' camera, 'cam/day' day, 'cam/day/file' file. */
type Level = 'root' | 'camera' | 'day' | 'file';
const levelOf = (rel: string): Level => (['root', 'camera', 'day', 'file'] as const)[rel === '' ? 0 : Math.min(3, rel.split('/').length)]!;

export class FilesWatcher {
  /** Watched folders by relative path ('' is the root); no FSWatcher under inotifywait. */
  private readonly watchers = new Map<string, FSWatcher | null>();
  private tree: TreeWatch | null = null;
  private events = 0;
  /** Grace timers of new well-named files, by relative path (one per file). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private removedByHand = 0;
  private foreign: string[] = [];
  private foreignCount = 0;
  private error: string | null = null;
  private closed = false;

  constructor(private readonly deps: FilesWatcherDeps) {}

  /** Resolves once every existing folder is watched (entries already there are not reported). */
  async start(): Promise<void> {
    if (this.deps.treeWatch) {
      const tree = await startTreeWatch({
        ...this.deps.treeWatch, root: this.deps.recordingsDir,
        onPath: (rel) => this.onTreePath(rel),
        onExit: (why) => this.treeEnded(why),
      });
      if ('error' in tree) this.deps.log.warn({ err: tree.error }, 'inotifywait unavailable: watching each folder with fs.watch');
      else this.tree = tree;
    }
    await this.watchTree('', false);
  }

  stats(): WatcherStats {
    return {
      removedByHand: this.removedByHand, foreignFiles: this.foreignCount, recentForeign: [...this.foreign],
      watchedFolders: this.watchers.size, via: this.tree ? 'inotifywait' : 'fs.watch', events: this.events, error: this.error,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.tree?.close();
    this.tree = null;
    for (const w of this.watchers.values()) w?.close();
    this.watchers.clear();
  }

  /** inotifywait saw a name come or go; only folders we track count (as with fs.watch). */
  private onTreePath(rel: string): void {
    this.events += 1;
    const cut = rel.lastIndexOf('/');
    if (this.watchers.has(cut < 0 ? '' : rel.slice(0, cut))) void this.onName(rel);
  }

  /** inotifywait died (killed, out of watches): every tracked folder gets its fs.watch. */
  private treeEnded(why: string): void {
    this.tree = null;
    if (this.closed) return;
    this.fail(`inotifywait ended: ${why}; watching each folder with fs.watch`);
    for (const rel of [...this.watchers.keys()]) {
      this.watchers.delete(rel);
      this.watchFolder(rel);
    }
  }

  /** One folder's watch: fs.watch, or only bookkeeping while inotifywait watches the tree. */
  private watchFolder(rel: string): boolean {
    if (this.tree) {
      this.watchers.set(rel, null);
      return true;
    }
    try {
      const w = watch(path.join(this.deps.recordingsDir, rel), { persistent: true }, (event, name) => {
        this.events += 1;
        // 'change' is a write into a file: ffmpeg's, several a second; nothing to learn.
        if (event === 'rename' && name) void this.onName(rel === '' ? name : `${rel}/${name}`);
      });
      w.on('error', (err) => this.fail(`watching ${rel || '.'}: ${err.message}`));
      this.watchers.set(rel, w);
      return true;
    } catch (err) {
      // ENOSPC here is the inotify watch limit (fs.inotify.max_user_watches), not the disk.
      this.fail(`watching ${rel || '.'}: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Watch a folder and the fitting folders below it. `fresh`: the folder has just
   * appeared, so what is already in it was created after we last looked and is checked
   * like any new entry (a folder made and filled between two events).
   */
  private async watchTree(rel: string, fresh: boolean): Promise<void> {
    if (this.closed || this.watchers.has(rel)) return;
    const abs = path.join(this.deps.recordingsDir, rel);
    if (!this.watchFolder(rel)) return;
    if (levelOf(rel) === 'day' && !fresh) return;
    const entries = await readdir(abs).catch(() => [] as string[]);
    for (const name of entries) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (fresh) await this.onName(child);
      else if (levelOf(child) !== 'file') await this.onExisting(child);
    }
  }

  /** At start: watch what fits; what does not was there before us and is left to `nvr fsck`. */
  private async onExisting(rel: string): Promise<void> {
    const info = await stat(path.join(this.deps.recordingsDir, rel)).catch(() => null);
    if (info?.isDirectory() && this.fits(rel)) await this.watchTree(rel, false);
  }

  /** A name appeared in or left a watched folder. */
  private async onName(rel: string): Promise<void> {
    if (this.closed) return;
    const info = await stat(path.join(this.deps.recordingsDir, rel)).catch(() => null);
    if (!info) {
      this.onGone(rel);
      return;
    }
    const level = levelOf(rel);
    if (level === 'file' || !info.isDirectory()) {
      this.onFile(rel);
      return;
    }
    if (!this.fits(rel)) this.reportForeign(rel, 'folder does not fit <camera>/<YYYY-MM-DD>');
    else await this.watchTree(rel, true);
  }

  private fits(rel: string): boolean {
    const parts = rel.split('/');
    return parts.length === 1 ? cameraDirPattern.test(parts[0]!) : parts.length === 2 && cameraDirPattern.test(parts[0]!) && dayDirPattern.test(parts[1]!);
  }

  private onFile(rel: string): void {
    const parts = rel.split('/');
    const m = parts.length === 3 ? segmentFilePattern.exec(parts[2]!) : null;
    if (!m || !cameraDirPattern.test(parts[0]!) || !dayDirPattern.test(parts[1]!)) {
      this.reportForeign(rel, 'name does not fit <camera>/<YYYY-MM-DD>/<runKey>-<seq>.mp4');
      return;
    }
    if (this.timers.has(rel)) return;
    const timer = setTimeout(() => {
      this.timers.delete(rel);
      this.checkOwned(rel, parts[0]!, m[1]!);
    }, this.deps.graceMs);
    timer.unref();
    this.timers.set(rel, timer);
  }

  /** A file or a whole folder left (removed, or moved away). */
  private onGone(rel: string): void {
    if (levelOf(rel) === 'file') {
      this.forgetRows([rel]);
      return;
    }
    for (const [key, w] of this.watchers) {
      if (key === rel || key.startsWith(`${rel}/`)) { w?.close(); this.watchers.delete(key); }
    }
    // A folder removed file by file also reported each file; moved away, it did not.
    const cameraId = rel.split('/')[0]!;
    const gone = this.deps.store.segments.filesOfCamera(cameraId)
      .filter((f) => f.relPath.startsWith(`${rel}/`) && !existsSync(path.join(this.deps.recordingsDir, f.relPath)));
    this.forgetRows(gone.map((f) => f.relPath));
  }

  private forgetRows(relPaths: readonly string[]): void {
    for (const relPath of relPaths) {
      try {
        const row = this.deps.store.usage.segmentAt(relPath);
        if (!row) continue; // ours (already in garbage) or never indexed
        this.deps.store.segments.deleteByIds([row.id]);
        this.removedByHand += 1;
        this.deps.log.warn({ cameraId: row.cameraId, relPath }, 'segment file removed outside the daemon: its row is removed from the index');
      } catch (err) {
        // The row stays; start-up reconciliation removes it. Never fatal.
        this.deps.log.error({ relPath, err: (err as Error).message }, 'row of a removed file not deleted; reconciliation will');
      }
    }
  }

  private checkOwned(relPath: string, cameraId: string, runKey: string): void {
    try {
      const { store } = this.deps;
      if (!existsSync(path.join(this.deps.recordingsDir, relPath))) return;
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

  private fail(message: string): void {
    this.error = message;
    this.deps.log.error({ err: message }, 'recordings watcher error');
  }
}
