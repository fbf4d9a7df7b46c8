/**
 * bench/live: what live view costs on the box. One real 720p camera recorded by the real
 * daemon; N WebSocket viewers of its live view. Measured in one run, side by side:
 *   - the live ffmpeg (stream copy into fragmented MP4, shared by all viewers),
 *   - the daemon's own CPU above its idle (recording-only) baseline, per viewer,
 *   - the transcode node-rtsp-stream does (MPEG-1 for JSMpeg), for the same camera,
 *   - time from opening the socket to the first video fragment, cold (no stream running:
 *     RTSP setup + wait for a keyframe) and warm (another viewer watches: cached GOP).
 *
 *   npx tsx bench/live.ts [--viewers 1,4,16] [--seconds 20]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startTestCamera } from '../test/helpers/test-camera.js';
import { bearer, createApiToken, ffmpegPidsMentioning, spawnDaemon, waitFor, writeTestConfig } from '../test/helpers/daemon.js';
import { tree } from './proc-stats.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '1,4,16' },
    seconds: { type: 'string', default: '20' },
    coldRuns: { type: 'string', default: '3' },
  },
});
const viewerCounts = values.viewers.split(',').map(Number);
const windowS = Number(values.seconds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (cores: number) => `${(cores * 100).toFixed(2)} %`;

/** utime + stime of a process, in clock ticks (100 per second); 0 once it is gone. */
function ticksOf(pid: number): number {
  return tree([pid]).find((p) => p.pid === pid)?.cpuTicks ?? 0;
}

/** CPU (share of one core) of each named group of pids over the window. */
async function cpuOf(groups: () => Record<string, number[]>, seconds: number): Promise<Record<string, number>> {
  const sum = (pids: number[]) => pids.reduce((a, pid) => a + ticksOf(pid), 0);
  const before = Object.fromEntries(Object.entries(groups()).map(([k, pids]) => [k, sum(pids)]));
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsedS = (performance.now() - t0) / 1000;
  return Object.fromEntries(Object.entries(groups()).map(([k, pids]) => [k, (sum(pids) - (before[k] ?? 0)) / 100 / elapsedS]));
}

interface Viewer { ws: WebSocket; bytes: number; firstFragmentMs: Promise<number> }

function openViewer(base: string, headers: Record<string, string>): Viewer {
  const t0 = performance.now();
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/cameras/cam/live?quality=main`, { headers });
  const viewer: Viewer = { ws, bytes: 0, firstFragmentMs: Promise.resolve(0) };
  viewer.firstFragmentMs = new Promise((resolve, reject) => {
    let binaries = 0;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      viewer.bytes += data.length;
      binaries += 1;
      if (binaries === 2) resolve(performance.now() - t0); // 1 = init segment, 2 = first fragment
    });
    ws.on('error', reject);
  });
  return viewer;
}

async function closeAll(viewers: Viewer[]): Promise<void> {
  for (const v of viewers) v.ws.close();
  await sleep(200);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const camera = await startTestCamera({ paths: ['/cam'], width: 1280, height: 720, fps: 25, bitrateKbps: 2000, keyintFrames: 50 });
  const { file } = writeTestConfig({ cameras: [{ id: 'cam', url: camera.url, audio: 'off' }], segmentSeconds: 10 });
  const daemon = spawnDaemon(file);
  const daemonPid = daemon.child.pid!;
  const livePids = () => ffmpegPidsMentioning('frag_duration');
  try {
    const base = await daemon.url();
    const auth = bearer(createApiToken(file, 'viewer'));
    await sleep(8000); // recorder settled
    console.log(`camera 1280x720 25 fps 2 Mbit/s, GOP 2 s; window ${windowS} s per figure; 1.00 core = 100 %`);
    const idle = await cpuOf(() => ({ daemon: [daemonPid] }), windowS);
    console.log(`daemon recording, no viewer:           ${pct(idle['daemon']!)}`);

    for (const n of viewerCounts) {
      const viewers = Array.from({ length: n }, () => openViewer(base, auth));
      await Promise.all(viewers.map((v) => v.firstFragmentMs));
      await sleep(2000);
      const bytes0 = viewers.reduce((a, v) => a + v.bytes, 0);
      const cpu = await cpuOf(() => ({ daemon: [daemonPid], live: livePids() }), windowS);
      const mbit = ((viewers.reduce((a, v) => a + v.bytes, 0) - bytes0) * 8) / windowS / 1e6;
      const perViewer = (cpu['daemon']! - idle['daemon']!) / n;
      console.log(`${String(n).padStart(2)} viewer(s): live ffmpeg ${pct(cpu['live']!)} (${livePids().length} process), daemon +${pct(cpu['daemon']! - idle['daemon']!)} over idle = ${pct(perViewer)} per viewer, ${mbit.toFixed(2)} Mbit/s sent`);
      await closeAll(viewers);
      await waitFor('the live stream to stop (linger)', () => livePids().length === 0, 30_000, 250);
    }

    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < Number(values.coldRuns); i++) {
      const first = openViewer(base, auth);
      cold.push(await first.firstFragmentMs);
      await sleep(1000 + i * 700); // land at different points of the GOP
      const second = openViewer(base, auth);
      warm.push(await second.firstFragmentMs);
      await closeAll([first, second]);
      await waitFor('the live stream to stop (linger)', () => livePids().length === 0, 30_000, 250);
    }
    console.log(`first video fragment on the socket: cold median ${median(cold).toFixed(0)} ms (${cold.map((x) => x.toFixed(0)).join(', ')}), warm median ${median(warm).toFixed(0)} ms (${warm.map((x) => x.toFixed(0)).join(', ')})`);

    // node-rtsp-stream's pipeline for the same camera, output thrown away.
    const transcode = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', camera.url, '-f', 'mpegts', '-codec:v', 'mpeg1video', '-b:v', '1000k', '-r', '25', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    transcode.stdout.resume();
    await sleep(4000);
    const mpeg1 = await cpuOf(() => ({ t: [transcode.pid!] }), windowS);
    transcode.kill('SIGTERM');
    console.log(`node-rtsp-stream style MPEG-1 transcode, per viewer-stream: ${pct(mpeg1['t']!)}`);
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await camera.stop();
  }
}

await main();
