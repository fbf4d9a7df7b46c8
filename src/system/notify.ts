/**
 * systemd's notify protocol (sd_notify): READY, WATCHDOG, STOPPING and STATUS.
 *
 * Node cannot send AF_UNIX datagrams. Messages go through a relay: one long-lived perl
 * process (perl-base is Essential in Debian, so it is on every box; its core Socket module
 * sends datagrams), started at the first message, holding the socket and sending each line
 * it reads on stdin as one message. It answers "ok" or "error …" per message.
 *
 * Spawning `systemd-notify KEY=VALUE…` per message, as before, cost ~10 ms of CPU a
 * message (2.7 ms in the daemon to fork a 90 MB process, 7 ms in systemd-notify): with
 * WATCHDOG=1 every 10 s, 0.001 of a core, as much as the rest of a one-camera daemon
 * (docs/performance.md, session 5). It is still the fallback when perl is missing or the
 * relay dies. Either helper sends from its own pid, which is why the unit says
 * NotifyAccess=all. A short-lived systemd-notify needs BARRIER=1 (it waits until the
 * manager has read the message, or the manager may find the sender gone and drop it); the
 * relay outlives its messages, so it does not. Outside systemd (no NOTIFY_SOCKET: a
 * terminal, Docker, most tests) every call is a no-op.
 */
import type { Logger } from '../core/logger.js';
import { pipeRef, type Spawner } from '../core/spawn.js';
import type { ChildProcess } from 'node:child_process';
import { onDelimited } from '../core/lines.js';
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
  /** The fallback helper binary (one process per message); a path or a name on PATH. */
  command?: string;
  /** The relay's perl; a path or a name on PATH. */
  perl?: string;
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
  const relay = new NotifyRelay(deps.spawner, deps.perl ?? 'perl', { ...env, NOTIFY_SOCKET: socket });
  let queue: Promise<void> = Promise.resolve();
  let failures = 0;
  const report = (fields: Readonly<Record<string, string>>, problem: string) => {
    // Log the first failure and then one in a hundred: a missing helper must not flood journald.
    if (failures++ % 100 === 0) deps.log.warn({ fields: Object.keys(fields), problem, failures }, 'systemd notification not delivered');
  };
  const sendOne = async (fields: Readonly<Record<string, string>>): Promise<void> => {
    const relayed = await relay.send(notifyArgs(fields));
    if (relayed.sent) return;
    const relayProblem = relayed.error === null ? null : `relay: ${relayed.error}`;
    if (!relayed.retry) { report(fields, relayProblem ?? 'relay refused it'); return; }
    const r = await run(command, notifyArgs(fields));
    if (r.code === 0) {
      if (relayProblem) deps.log.warn({ problem: relayProblem }, `systemd notify relay down: sending through ${command} meanwhile`);
      return;
    }
    const problem = r.error ? `cannot run ${command}: ${r.error}` : `${command} exited ${r.code}: ${r.stderr.trim().slice(-300)}`;
    report(fields, relayProblem ? `${relayProblem}; ${problem}` : problem);
  };
  return {
    enabled: true,
    watchdogPeriodMs,
    // Serialised, so READY=1 reaches the manager before the first WATCHDOG=1.
    notify: (fields) => (queue = queue.then(() => sendOne(fields))),
  };
}

const relayScript = String.raw`
use strict; use warnings; use Socket;
$| = 1;
my $path = $ENV{NOTIFY_SOCKET};
$path =~ s/^@/\0/;
socket(my $sock, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
my $to = pack_sockaddr_un($path);
while (my $line = <STDIN>) {
  chomp $line;
  $line =~ tr/\0/\n/;
  print defined(send($sock, $line, 0, $to)) ? "ok\n" : "error $!\n";
}
`;

/** One message's fate: sent; or not, with whether the per-message helper should try. */
interface RelayResult {
  sent: boolean;
  /** Why the relay could not send it (null when it was not asked: relay down for now). */
  error: string | null;
  retry: boolean;
}

/** How long a relay that died stays down before it is started again. */
const relayRestartMs = 60_000;

class NotifyRelay {
  private child: ChildProcess | null = null;
  private waiting: Array<(answer: string | null) => void> = [];
  private downSinceMs: number | null = null;
  private lastError: string | null = null;

  constructor(private readonly spawner: Spawner, private readonly perl: string, private readonly env: NodeJS.ProcessEnv) {}

  async send(lines: readonly string[]): Promise<RelayResult> {
    const child = this.ensure();
    if (!child?.stdin) return { sent: false, error: null, retry: true };
    const stdout = pipeRef(child.stdout);
    stdout?.ref();
    const answer = new Promise<string | null>((resolve) => this.waiting.push(resolve)).finally(() => {
      if (this.waiting.length === 0) stdout?.unref();
    });
    // One message per line: its fields joined by NUL (values never hold NUL or newlines).
    child.stdin.write(`${lines.map((l) => l.replace(/\0/g, ' ')).join('\0')}\n`);
    const text = await answer;
    if (text === 'ok') return { sent: true, error: null, retry: false };
    // "error …": the socket refused it, a second helper would fare no better.
    if (text !== null) return { sent: false, error: text.slice(6), retry: false };
    return { sent: false, error: this.lastError ?? 'relay exited', retry: true };
  }

  private ensure(): ChildProcess | null {
    if (this.child) return this.child;
    if (this.downSinceMs !== null && Date.now() - this.downSinceMs < relayRestartMs) return null;
    let child: ChildProcess;
    try {
      child = this.spawner(this.perl, ['-e', relayScript], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'], parentDeathSignal: 'TERM' });
    } catch (err) {
      this.down(`cannot run ${this.perl}: ${(err as Error).message}`);
      return null;
    }
    this.child = child;
    this.downSinceMs = null;
    // The relay must never keep the daemon alive (its stop ends when the event loop
    // drains): only a message waiting for its answer holds the loop (see send).
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) pipeRef(stream)?.unref();
    let stderr = '';
    if (child.stdout) onDelimited(child.stdout, '\n', (line) => this.waiting.shift()?.(line));
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-300); });
    child.stdin?.on('error', () => undefined); // EPIPE when it died: seen on 'close'
    child.on('error', (err) => { stderr = `cannot run ${this.perl}: ${err.message}`; });
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = null;
      this.down(stderr.trim() || `exited (${code ?? signal})`);
    });
    return child;
  }

  private down(why: string): void {
    this.lastError = why;
    this.downSinceMs = Date.now();
    for (const resolve of this.waiting.splice(0)) resolve(null);
  }
}

