/**
 * bench/health-startup: time from spawning `nvr serve` until every camera's health card
 * ('camera health checked' in the log), N cameras on one GStreamer test camera (one mount
 * each, G.711 audio), with the RTSP ffprobes seen in /proc and the RTSP sessions the
 * camera served. `root` is a checkout with a built dist/ (this one, or an older build to
 * compare against).
 *
 *   npx tsx bench/health-startup.ts [root=.] [segmentSeconds=10] [cameras=16]
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startTestCamera } from '../test/helpers/test-camera.js';
import { writeTestConfig } from '../test/helpers/daemon.js';

const [rootArg, segArg, nArg] = process.argv.slice(2);
const root = path.resolve(rootArg ?? '.');
const N = Number(nArg ?? 16);
const seg = Number(segArg ?? 10);
const mounts = Array.from({ length: N }, (_, i) => `/c${i + 1}`);
const cam = await startTestCamera({ paths: mounts, width: 320, height: 180, fps: 25, keyintFrames: 50, bitrateKbps: 300, audio: 'pcmu' });
const cfg = writeTestConfig({ cameras: mounts.map((m, i) => ({ id: `c${i + 1}`, url: `rtsp://127.0.0.1:${cam.port}${m}` })), segmentSeconds: seg, stallTimeoutSeconds: 20 });
const ours = `rtsp://127.0.0.1:${cam.port}/`;
const probes = new Set<number>();
const watch = setInterval(() => {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let a: string[]; try { a = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (a.some((x) => x.endsWith('ffprobe')) && a.some((x) => x.startsWith(ours))) probes.add(Number(e));
  }
}, 50);
const t0 = Date.now();
const child = spawn(process.execPath, [`${root}/bin/nvr.js`, 'serve', '--config', cfg.file], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => { out += d; });
child.stderr.on('data', (d) => { out += d; });
const checked = () => out.split('\n').filter((l) => l.includes('"camera health checked"'));
let listenMs = 0;
await new Promise<void>((done) => {
  const t = setInterval(() => {
    if (!listenMs && out.includes('nvr listening')) listenMs = Date.now() - t0;
    if (checked().length >= N || Date.now() - t0 > 600_000) { clearInterval(t); done(); }
  }, 50);
});
const allMs = Date.now() - t0;
clearInterval(watch);
const from = checked().map((l) => (JSON.parse(l) as { from?: string }).from ?? 'rtsp');
const sessions = cam.stderr.split('client connected').length - 1;
console.log(JSON.stringify({ root, cameras: N, segmentSeconds: seg, listenMs, allCardsMs: allMs, sinceListenMs: allMs - listenMs, rtspFfprobes: probes.size, rtspSessions: sessions, from: [...new Set(from)], warnings: [...new Set(checked().map((l) => (JSON.parse(l) as { warnings: string[] }).warnings.join('+')))] }));
child.kill('SIGTERM');
await new Promise((r) => child.on('close', r));
await cam.stop();
