/**
 * bench/hash-cost: what sealing segments at close (SHA-256 + chain row) costs while
 * recording, as CPU of the daemon process per camera: the same N cameras recorded by the
 * real daemon with integrity.hashOnClose on and off, alternated in one run.
 *
 *   npx tsx bench/hash-cost.ts [--cameras 4] [--seconds 60] [--segment 10] [--rounds 2]
 *
 * Only the daemon (node) process is measured: hashing happens there, and the ffmpeg
 * children cost the same either way. The background re-check is off in both
 * (integrity.verifyBytesPerSecond 0). Also prints the daemon's own account of the time
 * spent inside the hash function (logged at shutdown), which is free of scheduling noise.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { spawnDaemon, waitFor, writeTestConfig, readSegments } from '../test/helpers/daemon.js';
import { startBenchCamera } from './recorders.js';
import { allProcesses } from './proc-stats.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '60' },
    segment: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '15' },
  },
});
const n = Number(values.cameras);
const windowS = Number(values.seconds);
const segmentS = Number(values.segment);
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const ticksPerSecond = 100;

function cpuSecondsOf(pid: number): number {
  const p = allProcesses().find((x) => x.pid === pid);
  if (!p) throw new Error(`process ${pid} is gone`);
  return p.cpuTicks / ticksPerSecond;
}

interface Sample { cores: number; bytes: number; hashMs: number; sealed: number }

async function sample(url: string, hashOnClose: boolean): Promise<Sample> {
  const cameras = Array.from({ length: n }, (_, i) => ({ id: `cam${i}`, url, audio: 'off' as const }));
  const cfg = writeTestConfig({ cameras, segmentSeconds: segmentS, stallTimeoutSeconds: 20, logLevel: 'info' });
  fs.appendFileSync(cfg.file, `integrity:\n  hashOnClose: ${hashOnClose}\n  verifyBytesPerSecond: 0\n`);
  const d = spawnDaemon(cfg.file);
  await d.url();
  await waitFor(`${n} cameras indexed`, () => new Set(readSegments(cfg.dataDir).map((r) => r.camera_id)).size >= n, 120_000, 500);
  await sleep(Number(values.warmup));
  const pid = d.child.pid!;
  const before = cpuSecondsOf(pid);
  const bytesBefore = readSegments(cfg.dataDir).reduce((a, r) => a + r.size_bytes, 0);
  const t = performance.now();
  await sleep(windowS);
  const cores = (cpuSecondsOf(pid) - before) / ((performance.now() - t) / 1000);
  const bytes = readSegments(cfg.dataDir).reduce((a, r) => a + r.size_bytes, 0) - bytesBefore;
  d.child.kill('SIGTERM');
  await d.exited;
  // {"sealing":[{"cameraId":"cam0","sealed":7,"bytes":...,"hashMs":...}, ...]} at shutdown
  const line = d.output().split('\n').find((l) => l.includes('segments sealed since start'));
  const stats = line ? (JSON.parse(line) as { sealing: { sealed: number; bytes: number; hashMs: number }[] }).sealing : [];
  fs.rmSync(cfg.dataDir, { recursive: true, force: true });
  return { cores, bytes, hashMs: stats.reduce((a, s) => a + s.hashMs, 0), sealed: stats.reduce((a, s) => a + s.sealed, 0) };
}

async function main(): Promise<void> {
  const cam = await startBenchCamera();
  console.log(`# bench/hash-cost: ${n} cameras of the test camera (1920x1080 25 fps 4 Mbit/s GOP 2 s), ${segmentS} s segments, ${windowS} s windows after ${values.warmup} s warm-up`);
  console.log('| round | daemon CPU, hashing on (cores) | daemon CPU, hashing off (cores) | difference per camera (% of a core) | MB recorded in window (on) | hash time inside the daemon per camera (% of a core) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const diffs: number[] = [];
  try {
    for (let round = 1; round <= Number(values.rounds); round++) {
      const on = await sample(cam.url, true);
      const off = await sample(cam.url, false);
      const perCamera = ((on.cores - off.cores) / n) * 100;
      diffs.push(perCamera);
      // hashMs counts from start to shutdown; the recorded time of that span is about sealed segments x segment length.
      const inside = on.sealed > 0 ? (on.hashMs / 1000 / (on.sealed * segmentS)) * 100 : NaN;
      console.log(`| ${round} | ${on.cores.toFixed(4)} | ${off.cores.toFixed(4)} | ${perCamera.toFixed(3)} | ${(on.bytes / 1e6).toFixed(0)} | ${inside.toFixed(4)} |`);
    }
    console.log(`mean difference per camera: ${(diffs.reduce((a, b) => a + b, 0) / diffs.length).toFixed(3)} % of a core`);
  } finally {
    await cam.stop();
  }
}

await main();
