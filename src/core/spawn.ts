/**
 * The process port. Recorder children must never outlive the daemon, even after
 * `kill -9` of the daemon: on Linux we start them through util-linux `setpriv
 * --pdeathsig`, so the kernel signals the child the moment its parent dies. SIGTERM (not
 * SIGKILL) lets ffmpeg close its open segment cleanly; a child that ignores it still dies
 * of EPIPE on its next write to our closed pipes, and under systemd the cgroup is killed.
 */
import { spawn as nodeSpawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
  /** Signal sent to the child by the kernel when the daemon dies. */
  parentDeathSignal?: 'TERM' | 'KILL';
  /**
   * Own process group (and session: node's `detached`), so a Ctrl-C on the daemon's
   * terminal does not reach the child. A new session is also a new autogroup for the
   * kernel's scheduler, which costs CPU when there are many children: the recorders do
   * without it.
   */
  newProcessGroup?: boolean;
}

export type Spawner = (command: string, args: readonly string[], options?: SpawnOptions) => ChildProcess;

const setprivPath = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export const systemSpawner: Spawner = (command, args, options = {}) => {
  const signal = options.parentDeathSignal;
  const [cmd, argv] = signal && setprivPath
    ? [setprivPath, ['--pdeathsig', signal, '--', command, ...args]]
    : [command, [...args]];
  return nodeSpawn(cmd, argv, {
    env: options.env ?? process.env,
    stdio: options.stdio ?? 'pipe',
    detached: options.newProcessGroup ?? false,
  });
};

/** True when children are tied to the daemon's life by the kernel. */
export function hasParentDeathSignal(): boolean {
  return setprivPath !== undefined;
}

/**
 * A child's pipe as the socket it is, to ref or unref it: a helper that lives as long as
 * the daemon must not be what keeps its event loop alive. Null for a missing pipe.
 */
export function pipeRef(stream: unknown): { ref(): void; unref(): void } | null {
  const s = stream as { ref?: () => void; unref?: () => void } | null;
  return s?.ref && s.unref ? { ref: () => s.ref!(), unref: () => s.unref!() } : null;
}
