/**
 * bench/faults: what faults cost, measured on a real daemon with the default recorder
 * settings (stall 15 s, RTSP timeout 5 s, backoff 1-10 s) and a 1 s keyframe interval.
 *
 *   npx tsx bench/faults.ts [--rounds 3]
 *
 * - ffmpeg killed with -9: footage lost from the open segment (kill time − recovered end);
 * - daemon killed with -9 and restarted at once: footage lost in the open segment, and the
 *   gap until the new run's first frame;
 * - camera frozen (SIGSTOP: connection kept, nothing sent): time until the run is ended;
 * - camera back after an outage: time from its return to the first recorded frame.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import path from 'node:path';
import { startTestCamera, type TestCamera } from '../test/helpers/test-camera.js';
import { ffmpegPidsMentioning, readSegments, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from '../test/helpers/daemon.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RunRow { id: number; start_ms: number; end_ms: number; ended_ms: number | null; end_reason: string | null }

function runs(dataDir: string): RunRow[] {
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  try { return db.prepare('SELECT id, start_ms, end_ms, ended_ms, end_reason FROM runs ORDER BY start_ms').all() as RunRow[]; } finally { db.close(); }
}

async function newRunAfter(dataDir: string, afterMs: number): Promise<RunRow> {
  return waitFor('a new run', () => runs(dataDir).find((r) => r.start_ms > afterMs && readSegments(dataDir).length > 0), 60_000, 100);
}

async function killFfmpeg(dataDir: string): Promise<{ lostMs: number }> {
  await sleep(4500); // inside a segment
  const [pid] = ffmpegPidsMentioning(dataDir);
  const t = Date.now();
  process.kill(pid!, 'SIGKILL');
  await newRunAfter(dataDir, t);
  await sleep(1500); // the abandoned file is probed in the background
  const before = readSegments(dataDir).filter((r) => r.start_ms < t);
  return { lostMs: t - Math.max(...before.map((r) => r.end_ms)) };
}

async function killDaemon(dataDir: string, file: string, d: DaemonProcess): Promise<{ lostMs: number; gapMs: number; next: DaemonProcess }> {
  await sleep(4500);
  const t = Date.now();
  d.child.kill('SIGKILL');
  await d.exited;
  await waitFor('ffmpeg gone', () => ffmpegPidsMentioning(dataDir).length === 0, 10_000, 20);
  const next = spawnDaemon(file);
  await next.url();
  const run = await newRunAfter(dataDir, t);
  const before = readSegments(dataDir).filter((r) => r.start_ms < t);
  return { lostMs: t - Math.max(...before.map((r) => r.end_ms)), gapMs: run.start_ms - t, next };
}

async function freeze(dataDir: string, cam: TestCamera): Promise<{ detectMs: number; reason: string }> {
  await sleep(3000);
  const t = Date.now();
  cam.freeze();
  try {
    const ended = await waitFor('run ended', () => runs(dataDir).find((r) => r.ended_ms !== null && r.ended_ms > t), 60_000, 100);
    return { detectMs: ended.ended_ms! - t, reason: ended.end_reason! };
  } finally {
    cam.thaw();
  }
}

async function comeBack(dataDir: string, cam: TestCamera): Promise<{ returnMs: number }> {
  await cam.kill();
  await sleep(12_000);
  await cam.restart();
  const t = Date.now();
  const run = await newRunAfter(dataDir, t - 1000);
  return { returnMs: run.start_ms - t };
}

async function main(): Promise<void> {
  const cam = await startTestCamera({ width: 1280, height: 720, fps: 25, bitrateKbps: 2000, keyintFrames: 25 });
  const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url }], segmentSeconds: 10, stallTimeoutSeconds: 15 });
  // Default recorder settings, not the fast ones of the tests.
  writeFileSync(cfg.file, readFileSync(cfg.file, 'utf8').replace('rtspTimeoutSeconds: 3', 'rtspTimeoutSeconds: 5')
    .replace('restartBackoffInitialMs: 200', 'restartBackoffInitialMs: 1000').replace('restartBackoffMaxMs: 1000', 'restartBackoffMaxMs: 10000'));
  let d = spawnDaemon(cfg.file);
  await d.url();
  await waitFor('first segment', () => readSegments(cfg.dataDir).length > 0, 60_000);
  const rows: string[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const f = await killFfmpeg(cfg.dataDir);
      const k = await killDaemon(cfg.dataDir, cfg.file, d);
      d = k.next;
      const s = await freeze(cfg.dataDir, cam);
      await newRunAfter(cfg.dataDir, Date.now() - 500);
      const b = await comeBack(cfg.dataDir, cam);
      rows.push(`| ${i + 1} | ${f.lostMs} | ${k.lostMs} | ${k.gapMs} | ${s.detectMs} (${s.reason}) | ${b.returnMs} |`);
      console.error(rows.at(-1));
    }
  } finally {
    d.child.kill('SIGTERM');
    await d.exited;
    await cam.stop();
  }
  console.log('# bench/faults: 1280x720 25 fps, keyframe every 1 s, segments 10 s, default recorder settings');
  console.log('| round | ffmpeg kill -9: footage lost ms | daemon kill -9: footage lost ms | daemon kill -9 + restart: gap ms | freeze: detected after ms | camera back: recording after ms |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

await main();
