/**
 * The demo camera: the project's own RTSP test server (GStreamer, scripts/test-camera.py)
 * started by the daemon when `demo.enabled`, so a newcomer sees recording with no
 * hardware. It is a child like ffmpeg: tied to the daemon's life, stopped on close.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { onLines } from '../core/lines.js';

const scriptPath = fileURLToPath(new URL('../../scripts/test-camera.py', import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface DemoCamera {
  close(): Promise<void>;
}

/** Starts the test server on 127.0.0.1:<port> serving the given mount paths. */
export async function startDemoCamera(deps: { spawner: Spawner; log: Logger; port: number; paths: string[] }): Promise<DemoCamera> {
  const args = [scriptPath, '--address', '127.0.0.1', '--port', String(deps.port), '--width', '1280', '--height', '720', '--bitrate-kbps', '2000'];
  for (const p of deps.paths) args.push('--path', p);
  const child = deps.spawner(python, args, { stdio: ['ignore', 'pipe', 'pipe'], parentDeathSignal: 'TERM', newProcessGroup: true });
  await waitReady(child, deps.paths.length, deps.log);
  deps.log.info({ port: deps.port, paths: deps.paths }, 'demo camera serving');
  return {
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      child.once('close', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}

function waitReady(child: ChildProcess, mounts: number, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = 0;
    const errLines: string[] = [];
    const timer = setTimeout(() => fail(new Error('demo camera did not start within 15 s')), 15_000);
    const fail = (err: Error) => { clearTimeout(timer); child.kill('SIGKILL'); reject(new Error(`${err.message}: ${errLines.slice(-5).join(' | ')}`)); };
    if (child.stdout) onLines(child.stdout, (line) => {
      if (line.startsWith('READY') && ++ready === mounts) { clearTimeout(timer); resolve(); }
    });
    if (child.stderr) onLines(child.stderr, (line) => { errLines.push(line); log.debug({ demo: line }, 'demo camera'); });
    child.once('error', (err) => fail(err));
    child.once('close', (code) => { if (ready < mounts) fail(new Error(`demo camera exited with ${code}`)); });
  });
}
