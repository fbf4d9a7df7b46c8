/**
 * Test helpers around a real daemon: a config file in a temp data dir, the daemon as a
 * real child process (`node bin/nvr.js serve`), and direct reads of its SQLite index and
 * recordings folder, as an outside observer would make them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface TestCameraEntry {
  id: string;
  url: string;
  name?: string;
  enabled?: boolean;
  audio?: 'aac' | 'copy' | 'off';
}

export interface TestConfigOptions {
  dataDir?: string;
  port?: number;
  cameras: TestCameraEntry[];
  segmentSeconds?: number;
  stallTimeoutSeconds?: number;
  logLevel?: string;
}

export function tempDir(prefix = 'nvr-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a YAML config for a fast-cycling recorder (short segments and timeouts). */
export function writeTestConfig(opts: TestConfigOptions): { file: string; dataDir: string } {
  const dataDir = opts.dataDir ?? tempDir();
  const cams = opts.cameras.map((c) => [
    `  - id: ${c.id}`,
    `    name: ${JSON.stringify(c.name ?? c.id)}`,
    `    url: ${JSON.stringify(c.url)}`,
    `    enabled: ${c.enabled ?? true}`,
    ...(c.audio ? [`    audio: ${c.audio}`] : []),
  ].join('\n')).join('\n');
  const yaml = `server:
  host: 127.0.0.1
  port: ${opts.port ?? 0}
storage:
  dataDir: ${JSON.stringify(dataDir)}
  segmentSeconds: ${opts.segmentSeconds ?? 2}
recorder:
  stallTimeoutSeconds: ${opts.stallTimeoutSeconds ?? 4}
  rtspTimeoutSeconds: 3
  restartBackoffInitialMs: 200
  restartBackoffMaxMs: 1000
  stopTimeoutMs: 5000
demo:
  enabled: false
log:
  level: ${opts.logLevel ?? 'info'}
cameras:
${cams}
`;
  const file = path.join(dataDir, 'config.yaml');
  writeFileSync(file, yaml);
  return { file, dataDir };
}

export interface SegmentRow {
  camera_id: string;
  run_id: number;
  seq: number;
  start_ms: number;
  end_ms: number;
  media_duration_ms: number;
  size_bytes: number;
  rel_path: string;
}

/** Reads the index read-only. */
export function readSegments(dataDir: string, cameraId?: string): SegmentRow[] {
  const file = path.join(dataDir, 'index.sqlite');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const where = cameraId ? 'WHERE camera_id = ?' : '';
    const stmt = db.prepare(`SELECT camera_id, run_id, seq, start_ms, end_ms, media_duration_ms, size_bytes, rel_path
      FROM segments ${where} ORDER BY camera_id, start_ms`);
    return (cameraId ? stmt.all(cameraId) : stmt.all()) as SegmentRow[];
  } finally {
    db.close();
  }
}

/** Every .mp4 under <dataDir>/recordings, as paths relative to it. */
export function listSegmentFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'recordings');
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else if (name.endsWith('.mp4')) out.push(path.relative(root, abs));
    }
  };
  walk(root);
  return out.sort();
}

type Falsy = null | undefined | false;

export async function waitFor<T>(what: string, fn: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface DaemonProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The http://host:port the daemon announced in its log. */
  url: () => Promise<string>;
}

/**
 * Daemons still running when the test or bench process exits (a failed start, an
 * assertion before cleanup) are stopped, so no recorder outlives its test.
 */
const liveDaemons = new Set<ChildProcess>();
process.once('exit', () => { for (const c of liveDaemons) c.kill('SIGTERM'); });

/** Starts `node bin/nvr.js serve --config FILE` as a real process. */
export function spawnDaemon(configFile: string, env: NodeJS.ProcessEnv = {}): DaemonProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/nvr.js'), 'serve', '--config', configFile], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => { liveDaemons.delete(child); resolve({ code, signal }); });
  });
  liveDaemons.add(child);
  const url = () => waitFor('the daemon to listen', () => /"url":"(http:[^"]+)"/.exec(out)?.[1], 30_000);
  return { child, output: () => out, exited, url };
}

/** Pids of live (not zombie) ffmpeg processes whose command line mentions the text. */
export function ffmpegPidsMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = readProc(`/proc/${entry}/cmdline`).replaceAll('\0', ' ');
    if (!cmd.includes('ffmpeg') || !cmd.includes(text)) continue;
    if (/\) Z /.test(readProc(`/proc/${entry}/stat`))) continue;
    pids.push(Number(entry));
  }
  return pids;
}

function readProc(p: string): string {
  try { return readFileSync(p, 'utf8'); } catch { return ''; }
}

/** GET with optional headers (an `authorization` from `bearer(createApiToken(...))`). */
export async function getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

let tokenCount = 0;

/**
 * An API token for the daemon of `configFile`, made by the real `nvr token create`
 * (before the daemon starts or while it runs; it prints the token alone on its last line).
 */
export function createApiToken(configFile: string, role: 'viewer' | 'investigator' | 'admin' = 'admin'): string {
  tokenCount += 1;
  const name = `e2e-${role}-${process.pid}-${tokenCount}`;
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'bin/nvr.js'), 'token', 'create', '--name', name, '--role', role, '--config', configFile], { encoding: 'utf8' });
  const token = out.trimEnd().split('\n').at(-1) ?? '';
  if (!/^nvr_[A-Za-z0-9_-]{43}$/.test(token)) throw new Error(`nvr token create printed no token on its last line:\n${out}`);
  return token;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
