/**
 * bench/index: the recordings index at 10 million segment rows (200 cameras x 35 days of
 * 60 s segments), generated through the real store API, then the coverage query that
 * every timeline and clip starts with, p50/p99 over random cameras and ranges.
 *
 * Generation (minutes; kept in BENCH_INDEX_DIR, default /tmp/nvr-bench-index) inserts in
 * time order, one transaction per simulated minute (200 rows), as 200 recorders would
 * deliver them; its rate is the bulk insert rate. The daemon's own path (one transaction
 * per segment, through the Indexer) is measured separately afterwards, on fresh rows.
 *
 * Run: npx tsx bench/index.ts [queries] [--queries-only]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RecordingsService } from '../src/clips/recordings.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { makeRunKey, runFolder, type StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore, type Store } from '../src/store/db.js';

const dir = process.env['BENCH_INDEX_DIR'] ?? '/tmp/nvr-bench-index';
const cameras = 200;
const days = 35;
const perDay = 1440;
const startMs = Date.UTC(2026, 9, 1);
const stream: StreamInfo = { videoCodec: 'h264', width: 1920, height: 1080, fps: 25, audioCodec: null };
const camId = (c: number) => `cam${String(c).padStart(3, '0')}`;

/** Inserts the rows not there yet (a run that was stopped resumes at the next minute). */
function generate(store: Store): void {
  const total = cameras * days * perDay;
  // Each simulated minute is one transaction over all cameras: the last camera's newest
  // segment says how far an earlier run got.
  const resumeAt = store.segments.last(camId(cameras - 1))?.endMs ?? startMs;
  console.log(`generating ${total.toLocaleString('en')} segment rows through the store (once; resumes where it stopped)...`);
  const t0 = performance.now();
  let done = 0;
  for (let c = 0; c < cameras; c++) store.cameras.ensure(camId(c), camId(c), startMs, true);
  for (let d = 0; d < days; d++) {
    const dayStart = startMs + d * 86_400_000;
    if (dayStart + 86_400_000 <= resumeAt) continue;
    const runs = Array.from({ length: cameras }, (_, c) => {
      const runKey = makeRunKey(dayStart - 700 + (resumeAt % 1000));
      const row = store.runs.insertIfAbsent({ cameraId: camId(c), runKey, spawnedMs: dayStart - 700, startMs: dayStart, stream }).row;
      return { id: row.id, runKey, folder: runFolder(camId(c), dayStart - 700) };
    });
    for (let m = 0; m < perDay; m++) {
      const segStart = dayStart + m * 60_000;
      if (segStart < resumeAt) continue;
      store.transaction(() => {
        for (let c = 0; c < cameras; c++) store.segments.insert(segmentRow(c, runs[c]!, m, segStart));
      });
      done += cameras;
    }
    for (let c = 0; c < cameras; c++) store.runs.end(camId(c), runs[c]!.runKey, dayStart + 86_400_000, 'stopped', null);
    const s = (performance.now() - t0) / 1000;
    console.log(`  day ${d + 1}/${days}: ${done.toLocaleString('en')} rows this run, ${s.toFixed(0)} s, ${Math.round(done / s).toLocaleString('en')} rows/s`);
  }
  const s = (performance.now() - t0) / 1000;
  if (done > 0) console.log(`bulk insert: ${done.toLocaleString('en')} rows in ${s.toFixed(0)} s = ${Math.round(done / s).toLocaleString('en')} rows/s (200 rows per transaction)`);
}

function segmentRow(c: number, run: { id: number; runKey: string; folder: string }, m: number, segStart: number) {
  return {
    cameraId: camId(c), runId: run.id, seq: m + 1, startMs: segStart, endMs: segStart + 60_000, mediaDurationMs: 60_000,
    observedCloseMs: segStart + 60_040, sizeBytes: 30_000_000, relPath: `${run.folder}/${run.runKey}-${String(m + 1).padStart(6, '0')}.mp4`,
    videoCodec: 'h264', width: 1920, height: 1080, audioCodec: null, recovered: false,
  };
}

/** The daemon's path: one SegmentClosed event = one transaction, through the Indexer. */
function daemonInsertRate(store: Store, rows: number): void {
  const indexer = new Indexer({ store, recordingsDir: path.join(dir, 'recordings'), log: silentLogger(), clock: systemClock });
  const at = startMs + (days + 1) * 86_400_000;
  const runKey = makeRunKey(at - 700);
  indexer.onRunStarted({ cameraId: camId(0), runKey, anchorMs: at, spawnedAtMs: at - 700, stream });
  const t0 = performance.now();
  for (let i = 0; i < rows; i++) {
    const s = at + i * 60_000;
    indexer.onSegmentClosed({
      cameraId: camId(0), runKey, seq: i + 1, relPath: `${runFolder(camId(0), at - 700)}/${runKey}-${String(i + 1).padStart(6, '0')}.mp4`,
      startMs: s, endMs: s + 60_000, mediaDurationMs: 60_000, observedCloseMs: s + 60_040, sizeBytes: 30_000_000, stream,
    });
  }
  const ms = performance.now() - t0;
  console.log(`daemon path (Indexer.onSegmentClosed, 1 row per transaction): ${rows} rows in ${ms.toFixed(0)} ms = ${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s, ${(ms / rows * 1000).toFixed(0)} µs each`);
}

function percentiles(label: string, samples: { wallUs: number[]; cpuUs: number[] }): void {
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]! / 1000;
  const { wallUs: w, cpuUs: c } = samples;
  console.log(`${label.padEnd(44)} wall p50 ${p(w, 0.5).toFixed(3)} p99 ${p(w, 0.99).toFixed(3)} ms | CPU p50 ${p(c, 0.5).toFixed(3)} p99 ${p(c, 0.99).toFixed(3)} ms (${w.length})`);
}

/** Random camera and start inside the recorded span (all of it, or what exists so far). */
function timeQueries(n: number, recordedUntilMs: number, rangeMs: number, fn: (camera: string, fromMs: number, toMs: number) => unknown) {
  const spanMs = recordedUntilMs - startMs - rangeMs;
  const out = { wallUs: [] as number[], cpuUs: [] as number[] };
  for (let i = 0; i < n + 50; i++) {
    const camera = camId(Math.floor(Math.random() * cameras));
    const from = startMs + Math.floor(Math.random() * spanMs);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    fn(camera, from, from + rangeMs);
    const wallUs = (performance.now() - t0) * 1000;
    const cpu = process.cpuUsage(cpu0);
    // The first 50 warm the statements and the page cache. CPU time (user + system) is
    // what the query costs; wall time also holds the waits of a shared, loaded box.
    if (i >= 50) { out.wallUs.push(wallUs); out.cpuUs.push(cpu.user + cpu.system); }
  }
  return out;
}

function main(): void {
  const queries = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5000);
  mkdirSync(dir, { recursive: true });
  const ready = path.join(dir, 'ready');
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  try {
    // --queries-only: measure on whatever the (possibly still growing) index holds now.
    if (!existsSync(ready) && !process.argv.includes('--queries-only')) {
      generate(store);
      writeFileSync(ready, `${new Date().toISOString()}\n`);
    }
    const recordings = new RecordingsService({ store });
    const until = Math.min(startMs + days * 86_400_000, store.segments.last(camId(cameras - 1))?.endMs ?? startMs);
    const rows = ((until - startMs) / 60_000) * cameras;
    console.log(`coverage queries on ${rows.toLocaleString('en')} segment rows (${((until - startMs) / 86_400_000).toFixed(1)} days x ${cameras} cameras), random camera and start, warm cache`);
    const q = (label: string, n: number, rangeMs: number, fn: (c: string, f: number, t: number) => unknown) => percentiles(label, timeQueries(n, until, rangeMs, fn));
    q('coverage, 1 hour (60 segments)', queries, 3_600_000, (c, f, t) => recordings.coverage(c, f, t));
    q('coverage, 2 hours (some cross a run change)', queries, 7_200_000, (c, f, t) => recordings.coverage(c, f, t));
    q('coverage, 24 hours (1440 segments)', Math.ceil(queries / 10), 86_400_000, (c, f, t) => recordings.coverage(c, f, t));
    q('clip planning rows, 10 minutes (full rows)', queries, 600_000, (c, f, t) => recordings.segmentsInRange(c, f, t));
    console.log('target: coverage p99 <= 1 ms');
    if (!process.argv.includes('--queries-only')) daemonInsertRate(store, 20_000);
  } finally {
    store.close();
  }
}

main();
