/**
 * Names appearing in or leaving any folder of a tree, from one inotifywait process
 * (package inotify-tools), watching only creations, deletions and moves.
 *
 * Why not fs.watch: node's watch asks inotify for every event kind, writes included, and
 * the mask cannot be narrowed. ffmpeg writes a fragment into the open segment every
 * keyframe interval, so each camera woke the daemon's event loop every 2 s for an event
 * it ignores: half of a one-camera daemon's wake-ups (docs/performance.md, session 5).
 * inotifywait's narrower mask means the kernel never produces those events. It also adds
 * watches for new subfolders itself (-r).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { onDelimited } from '../core/lines.js';
import { pipeRef, type Spawner } from '../core/spawn.js';

export interface TreeWatchOptions {
  readonly spawner: Spawner;
  /** The inotifywait binary; a path or a name on PATH. */
  readonly command?: string;
  readonly root: string;
  /** A name appeared in or left a folder of the tree; path relative to the root. */
  readonly onPath: (relPath: string) => void;
  /** The watch ended on its own (after start resolved), with why. */
  readonly onExit: (why: string) => void;
}

export interface TreeWatch {
  close(): void;
}

/** Resolves once every folder is watched, or with why it could not start. */
export function startTreeWatch(opts: TreeWatchOptions): Promise<TreeWatch | { error: string }> {
  const command = opts.command ?? 'inotifywait';
  const args = ['-m', '-r', '-e', 'create', '-e', 'delete', '-e', 'moved_to', '-e', 'moved_from', '--format', '%w%f%0', '--no-newline', opts.root];
  let child: ChildProcess;
  try {
    child = opts.spawner(command, args, { stdio: ['ignore', 'pipe', 'pipe'], parentDeathSignal: 'TERM' });
  } catch (err) {
    return Promise.resolve({ error: `cannot run ${command}: ${(err as Error).message}` });
  }
  return new Promise((resolve) => {
    let ready = false;
    let closing = false;
    let stderr = '';
    const watch: TreeWatch = { close: () => { closing = true; child.kill('SIGTERM'); } };
    if (child.stdout) onDelimited(child.stdout, '\0', (abs) => {
      const rel = path.relative(opts.root, abs);
      if (rel !== '' && !rel.startsWith('..')) opts.onPath(rel);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
      if (!ready && stderr.includes('Watches established.')) {
        ready = true;
        // Once watching, never what keeps the daemon alive (close() is the orderly end).
        child.unref();
        for (const stream of [child.stdout, child.stderr]) pipeRef(stream)?.unref();
        resolve(watch);
      }
    });
    child.on('error', (err) => { stderr = `cannot run ${command}: ${err.message}`; });
    child.on('close', (code, signal) => {
      const why = lastLine(stderr) ?? `${command} exited (${code ?? signal})`;
      if (!ready) resolve({ error: why });
      else if (!closing) opts.onExit(why);
    });
  });
}

function lastLine(text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^Setting up watches|^Watches established/.test(l));
  return lines.at(-1) ?? null;
}
