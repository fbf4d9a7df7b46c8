/**
 * systemd's notify protocol (sd_notify): READY, WATCHDOG, STOPPING and STATUS.
 *
 * Node cannot send AF_UNIX datagrams, so every message is sent by spawning
 * `systemd-notify KEY=VALUE…` (package systemd, present wherever systemd is PID 1; no
 * native addon to compile on the box). Running as a non-root user, systemd-notify sends
 * from its own pid, which is why the unit says NotifyAccess=all; it then waits
 * (BARRIER=1) until the manager has read the message, which makes a message from a
 * short-lived child reliable. Outside systemd (no NOTIFY_SOCKET: a terminal, Docker,
 * most tests) every call is a no-op.
 */
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { spawnCommandRunner } from './command.js';

export interface Notifier {
  /** False when the daemon does not run under a notify-aware supervisor. */
  readonly enabled: boolean;
  /**
   * How often to send WATCHDOG=1 (half of WatchdogSec, as sd_watchdog_enabled advises),
   * or null when no watchdog is armed for this process.
   */
  readonly watchdogPeriodMs: number | null;
  /** Sends one message; never rejects (a lost STATUS must not stop the daemon). */
  notify(fields: Readonly<Record<string, string>>): Promise<void>;
}

export interface NotifierDeps {
  spawner: Spawner;
  log: Logger;
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** The helper binary; a path or a name on PATH. */
  command?: string;
  /** A helper that hangs (a wedged manager) is killed after this long. */
  timeoutMs?: number;
}

export const disabledNotifier: Notifier = {
  enabled: false,
  watchdogPeriodMs: null,
  notify: async () => undefined,
};

/** WATCHDOG_USEC/2 in ms, when the watchdog is meant for this process (WATCHDOG_PID). */
export function watchdogPeriodFromEnv(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isSafeInteger(usec) || usec <= 0) return null;
  const forPid = env['WATCHDOG_PID'];
  if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** `KEY=VALUE` arguments; values lose newlines (one message line per field). */
export function notifyArgs(fields: Readonly<Record<string, string>>): string[] {
  return Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/[\r\n]+/g, ' ')}`);
}

/**
 * Reads the notify environment and then removes it from `env` (as sd_notify's
 * unset_environment does): with NotifyAccess=all every child could talk to systemd in our
 * name, and systemd's own tools do (timedatectl reports ERRNO= there when it fails).
 */
export function notifierFromEnv(deps: NotifierDeps): Notifier {
  const env = deps.env ?? process.env;
  const socket = env['NOTIFY_SOCKET'];
  if (!socket) return disabledNotifier;
  const watchdogPeriodMs = watchdogPeriodFromEnv(env, deps.pid ?? process.pid);
  for (const key of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[key];
  const command = deps.command ?? 'systemd-notify';
  const run = spawnCommandRunner(deps.spawner, { timeoutMs: deps.timeoutMs ?? 10_000, env: { ...env, NOTIFY_SOCKET: socket } });
  let queue: Promise<void> = Promise.resolve();
  let failures = 0;
  const sendOne = async (fields: Readonly<Record<string, string>>): Promise<void> => {
    const r = await run(command, notifyArgs(fields));
    if (r.code === 0) return;
    const problem = r.error ? `cannot run ${command}: ${r.error}` : `${command} exited ${r.code}: ${r.stderr.trim().slice(-300)}`;
    // Log the first failure and then one in a hundred: a missing helper must not flood journald.
    if (failures++ % 100 === 0) deps.log.warn({ fields: Object.keys(fields), problem, failures }, 'systemd notification not delivered');
  };
  return {
    enabled: true,
    watchdogPeriodMs,
    // Serialised, so READY=1 reaches the manager before the first WATCHDOG=1.
    notify: (fields) => (queue = queue.then(() => sendOne(fields))),
  };
}
