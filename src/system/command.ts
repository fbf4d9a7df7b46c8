/**
 * The "ask a system tool" port: run a short command and read what it printed. Clock-sync
 * checks go through it, so tests feed captured outputs instead of the real tools.
 */
import type { Spawner } from '../core/spawn.js';

export interface CommandResult {
  /** Exit code; null when the command could not run or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run (ENOENT, timeout), or null. */
  error: string | null;
}

export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

const maxOutputChars = 64 * 1024;

export interface RunnerOptions {
  /** A command still running after this long is killed (SIGKILL). */
  timeoutMs?: number;
  /**
   * The environment; by default this process's in the C locale (parsers expect English)
   * and never NOTIFY_SOCKET: systemd's tools report their failures there (ERRNO=).
   */
  env?: NodeJS.ProcessEnv;
}

export function spawnCommandRunner(spawner: Spawner, options: RunnerOptions = {}): CommandRunner {
  const timeoutMs = options.timeoutMs ?? 5000;
  const { NOTIFY_SOCKET: _n, WATCHDOG_USEC: _u, WATCHDOG_PID: _p, ...inherited } = process.env;
  const env = options.env ?? { ...inherited, LC_ALL: 'C', LANG: 'C' };
  return (command, args) => new Promise((resolve) => {
    const child = spawner(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let error: string | null = null;
    child.stdout?.on('data', (d: Buffer) => { stdout = (stdout + d.toString()).slice(0, maxOutputChars); });
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(0, maxOutputChars); });
    const timer = setTimeout(() => { error = `timed out after ${timeoutMs} ms`; child.kill('SIGKILL'); }, timeoutMs);
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr, error });
    };
    child.once('error', (err) => { error = err.message; finish(null); });
    child.once('close', (code) => finish(error ? null : code));
  });
}
