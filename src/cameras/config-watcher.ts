/**
 * Live config: the config file is watched and its cameras re-applied without a restart.
 * The file is re-read through the config loader (the only reader of config files), so a
 * live edit is validated exactly like a start-up. An invalid file is reported and
 * ignored: the cameras keep running as they were. Changes outside `cameras` need a
 * restart and are logged as such.
 *
 * We watch the file's folder, not the file: editors save by writing a new file and
 * renaming it over the old one, and a watch on the old inode would go deaf after the
 * first save. Events are debounced, so one save is one reload.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../core/logger.js';
import { isNvrError } from '../core/errors.js';
import type { CameraConfig, Config } from '../config/types.js';

export interface ConfigWatcherDeps {
  readonly file: string;
  /** loadConfig({ file }) in the daemon; throws ConfigError on an invalid file. */
  readonly load: () => Config;
  /** The config the daemon started with (for "needs a restart" notes). */
  readonly initial: Config;
  readonly onCameras: (cameras: readonly CameraConfig[]) => void;
  readonly log: Logger;
  readonly debounceMs?: number;
}

export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastCameras: string;
  private readonly lastOther: string;

  constructor(private readonly deps: ConfigWatcherDeps) {
    this.lastCameras = JSON.stringify(deps.initial.cameras);
    this.lastOther = otherSections(deps.initial);
  }

  /** Resolves once the watch is in place (edits from then on are seen). */
  async start(): Promise<void> {
    const file = path.resolve(this.deps.file);
    const dir = path.dirname(file);
    this.watcher = watch(dir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (p: string) => p !== dir && p !== file,
    });
    this.watcher.on('all', (_event, p) => { if (p === file) this.schedule(); });
    this.watcher.on('error', (err) => this.deps.log.error({ err: (err as Error).message }, 'config watcher error'));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.watcher?.close();
    this.watcher = null;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; this.reload(); }, this.deps.debounceMs ?? 300);
    this.timer.unref();
  }

  /** Re-read and apply; public so a SIGHUP handler (or a test) can force it. */
  reload(): void {
    let config: Config;
    try {
      config = this.deps.load();
    } catch (err) {
      // A save in progress or a typo: keep running with what we have, say what is wrong.
      const problems = isNvrError(err) ? (err.details?.['problems'] as { path: string; message: string }[] | undefined) : undefined;
      this.deps.log.error({ file: this.deps.file, problems: problems?.map(hidePasswords) ?? (err as Error).message }, 'config file is invalid: change ignored, cameras unchanged');
      return;
    }
    if (otherSections(config) !== this.lastOther) {
      this.deps.log.warn({ file: this.deps.file }, 'config settings outside cameras changed: they apply at the next restart');
    }
    const cameras = JSON.stringify(config.cameras);
    if (cameras === this.lastCameras) return;
    this.lastCameras = cameras;
    this.deps.log.info({ cameras: config.cameras.length }, 'config file changed: applying cameras');
    this.deps.onCameras(config.cameras);
  }
}

function otherSections(config: Config): string {
  const { cameras: _c, ...rest } = config;
  return JSON.stringify(rest);
}

/** A problem about a password may quote it (e.g. a YAML number): hide the value. */
function hidePasswords(p: { path: string; message: string }): { path: string; message: string } {
  return /password/i.test(p.path) ? { path: p.path, message: 'is not valid (value hidden)' } : p;
}
