/**
 * bench/index: the recordings index at 10 million segment rows (200 cameras x 35 days of
 * 60 s segments), generated through the real store API, then the coverage query that
 * every timeline and clip starts with, p50/p99 over random cameras and ranges.
 *
 * Generation (minutes; kept in BENCH_INDEX_DIR, default /tmp/nvr-bench-index) inserts in
 * time order, minute by minute over all cameras as 200 recorders would deliver them, each
 * row through SegmentsRepo.insert (run end, retention totals trigger, every index), one
 * transaction per simulated hour, fsync off and a big page cache; its rate is the bulk
 * insert rate. The store is then reopened with the daemon's settings, and the daemon's
 * own path (one transaction per segment, through the Indexer) is measured separately
 * after the queries, on fresh rows.
 *
 * Run: npx tsx bench/index.ts [queries] [--queries-only]
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RecordingsService } from '../src/clips/recordings.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { makeRunKey, runFolder, type StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore, type Store } from '../src/store/db.js';
import { overlapSql } from '../src/store/segments-repo.js';

const dir = process.env['BENCH_INDEX_DIR'] ?? '/tmp/nvr-bench-index';
const cameras = 200;
const days = 35;
const perDay = 1440;
const startMs = Date.UTC(2026, 9, 1);
const stream: StreamInfo = { videoCodec: 'h264', width: 1920, height: 1080, fps: 25, audioCodec: null };
const camId = (c: number) => `cam${String(c).padStart(3, '0')}`;

/**
 * Generation-only settings, stated with the figures: no fsync at commit and a 512 MiB page
 * cache (the five segment indexes have 200 insertion points each, more than SQLite's
 * default 2 MiB holds). Rows, triggers and indexes are the daemon's; the store is closed
 * and reopened with the daemon's own settings before anything is measured.
 */
const bulkPragmas = ['synchronous = OFF', 'cache_size = -524288'];

/** Inserts the rows not there yet (a run that was stopped resumes at the next minute). */
function generate(store: Store): void {
  const total = cameras * days * perDay;
  // Rows commit a simulated hour at a time over all cameras, in time order: the last
  // camera's newest segment says how far an earlier run got.
  const resumeAt = store.segments.last(camId(cameras - 1))?.endMs ?? startMs;
  for (const p of bulkPragmas) store.pragma(p);
  console.log(`generating ${total.toLocaleString('en')} segment rows through the store (once; resumes where it stopped; ${bulkPragmas.join(', ')})...`);
  const t0 = performance.now();
  let done = 0;
  store.transaction(() => {
    for (let c = 0; c < cameras; c++) store.cameras.ensure(camId(c), camId(c), startMs, true);
  });
  for (let d = 0; d < days; d++) {
    const dayStart = startMs + d * 86_400_000;
    if (dayStart + 86_400_000 <= resumeAt) continue;
    const runs = dayRuns(store, dayStart);
    for (let h = 0; h < 24; h++) done += insertHour(store, runs, dayStart, h, resumeAt);
    store.transaction(() => {
      for (let c = 0; c < cameras; c++) store.runs.end(camId(c), runs[c]!.runKey, dayStart + 86_400_000, 'stopped', null);
    });
    const s = (performance.now() - t0) / 1000;
    console.log(`  day ${d + 1}/${days}: ${done.toLocaleString('en')} rows this run, ${s.toFixed(0)} s, ${Math.round(done / s).toLocaleString('en')} rows/s`);
  }
  const s = (performance.now() - t0) / 1000;
  if (done > 0) console.log(`bulk insert: ${done.toLocaleString('en')} rows in ${s.toFixed(0)} s = ${Math.round(done / s).toLocaleString('en')} rows/s (one transaction per simulated hour = ${(60 * cameras).toLocaleString('en')} rows, each row through SegmentsRepo.insert)`);
}

/**
 * Every camera's run of the day (one recorder session per camera per day). A stopped
 * generation left the day's runs open: they are continued, not doubled (a run key has a
 * random suffix, so a new key would start a second run in the middle of the day).
 */
function dayRuns(store: Store, dayStart: number): Run[] {
  const open = new Map(store.runs.listOpen().filter((r) => r.startMs === dayStart).map((r) => [r.cameraId, r]));
  return store.transaction(() => Array.from({ length: cameras }, (_, c) => {
    const known = open.get(camId(c));
    const runKey = known?.runKey ?? makeRunKey(dayStart - 700);
    const row = known ?? store.runs.insertIfAbsent({ cameraId: camId(c), runKey, spawnedMs: dayStart - 700, startMs: dayStart, stream }).row;
    return { id: row.id, runKey, folder: runFolder(camId(c), row.spawnedMs) };
  }));
}

/** One simulated hour of all cameras, minute by minute, in one transaction; returns rows added. */
function insertHour(store: Store, runs: readonly Run[], dayStart: number, hour: number, resumeAt: number): number {
  if (dayStart + (hour + 1) * 3_600_000 <= resumeAt) return 0;
  return store.transaction(() => {
    let added = 0;
    for (let m = hour * 60; m < (hour + 1) * 60; m++) {
      const segStart = dayStart + m * 60_000;
      if (segStart < resumeAt) continue;
      for (let c = 0; c < cameras; c++) store.segments.insert(segmentRow(c, runs[c]!, m, segStart));
      added += cameras;
    }
    return added;
  });
}

type Run = { readonly id: number; readonly runKey: string; readonly folder: string };

function segmentRow(c: number, run: Run, m: number, segStart: number) {
  return {
    cameraId: camId(c), runId: run.id, seq: m + 1, startMs: segStart, endMs: segStart + 60_000, mediaDurationMs: 60_000,
    observedCloseMs: segStart + 60_040, sizeBytes: 30_000_000, relPath: `${run.folder}/${run.runKey}-${String(m + 1).padStart(6, '0')}.mp4`,
    videoCodec: 'h264', width: 1920, height: 1080, audioCodec: null, recovered: false,
  };
}

/** The daemon's path: one SegmentClosed event = one transaction, through the Indexer. */
function daemonInsertRate(store: Store, rows: number): void {
  const indexer = new Indexer({ store, recordingsDir: path.join(dir, 'recordings'), log: silentLogger(), clock: systemClock });
  // A new run after everything cam000 has (a repeated bench run would otherwise time
  // duplicate no-op inserts).
  const at = Math.max(startMs + (days + 1) * 86_400_000, (store.segments.last(camId(0))?.endMs ?? 0) + 3_600_000);
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
  indexer.onRunEnded({ cameraId: camId(0), runKey, endedAtMs: at + rows * 60_000, reason: 'stopped', detail: null });
  console.log(`daemon path (Indexer.onSegmentClosed, 1 row per transaction): ${rows} rows in ${ms.toFixed(0)} ms = ${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s, ${(ms / rows * 1000).toFixed(0)} µs each`);
}

/**
 * Per query: wall and CPU time, whether it lost the CPU to another process (an involuntary
 * context switch) and whether it slept (a voluntary one: a page read from disk).
 */
type Samples = { wallUs: number[]; cpuUs: number[]; preempted: boolean[]; blocked: boolean[] };

function percentiles(label: string, samples: Samples): void {
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]! / 1000;
  const { wallUs: w, cpuUs: c, preempted, blocked } = samples;
  const slow = (also: (i: number) => boolean | undefined) => w.filter((us, i) => us > 1000 && also(i)).length;
  // What a quiet box with the index in memory would show, roughly: the wall p99 of the
  // queries that neither lost the CPU nor waited for the disk.
  const alone = w.filter((_, i) => !preempted[i] && !blocked[i]);
  console.log(`${label.padEnd(44)} wall p50 ${p(w, 0.5).toFixed(3)} p99 ${p(w, 0.99).toFixed(3)} ms | CPU p50 ${p(c, 0.5).toFixed(3)} p99 ${p(c, 0.99).toFixed(3)} ms (${w.length})`);
  console.log(`${''.padEnd(44)} wall > 1 ms: ${slow(() => true)} (${slow((i) => preempted[i])} preempted, ${slow((i) => blocked[i])} waited for I/O); neither (${alone.length}): wall p99 ${p(alone, 0.99).toFixed(3)} ms`);
}

/** Random camera and start inside the recorded span (all of it, or what exists so far). */
function timeQueries(n: number, recordedUntilMs: number, rangeMs: number, fn: (camera: string, fromMs: number, toMs: number) => unknown): Samples {
  const spanMs = recordedUntilMs - startMs - rangeMs;
  const out: Samples = { wallUs: [], cpuUs: [], preempted: [], blocked: [] };
  for (let i = 0; i < n + 50; i++) {
    const camera = camId(Math.floor(Math.random() * cameras));
    const from = startMs + Math.floor(Math.random() * spanMs);
    const r0 = process.resourceUsage();
    const t0 = performance.now();
    fn(camera, from, from + rangeMs);
    const wallUs = (performance.now() - t0) * 1000;
    const r1 = process.resourceUsage();
    // The first 50 warm the statements. CPU time (user + system) is what the query
    // costs; wall time also holds the waits of a shared, loaded box (see Samples).
    if (i < 50) continue;
    out.wallUs.push(wallUs);
    out.cpuUs.push(r1.userCPUTime - r0.userCPUTime + r1.systemCPUTime - r0.systemCPUTime);
    out.preempted.push(r1.involuntaryContextSwitches > r0.involuntaryContextSwitches);
    out.blocked.push(r1.voluntaryContextSwitches > r0.voluntaryContextSwitches);
  }
  return out;
}

/** Where the figures come from: file size and the coverage query's plan (covering index). */
function describe(file: string): void {
  const mib = (f: string) => (existsSync(f) ? statSync(f).size / 2 ** 20 : 0);
  console.log(`index file ${mib(file).toFixed(0)} MiB (+ WAL ${mib(`${file}-wal`).toFixed(0)} MiB)`);
  const raw = new Database(file, { readonly: true });
  try {
    const plan = raw.prepare(`EXPLAIN QUERY PLAN ${overlapSql}`).all({ cameraId: camId(0), fromMs: startMs, toMs: startMs + 3_600_000, maxSegmentMs: 60_000 }) as { detail: string }[];
    console.log(`coverage query plan: ${plan.map((r) => r.detail).join('; ')}`);
  } finally {
    raw.close();
  }
}

/**
 * "Warm cache" means the file is in the OS page cache, as on a box whose index fits in
 * memory: read it once, sequentially. Without this, random cameras and days read cold
 * pages from disk and the wall p99 is disk latency (tens of ms), not the query.
 */
function warmPageCache(file: string): void {
  const t0 = performance.now();
  const buf = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) bytes += n;
  } finally {
    closeSync(fd);
  }
  console.log(`page cache warmed: ${(bytes / 2 ** 20).toFixed(0)} MiB read in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

function measure(store: Store, queries: number, withDaemonPath: boolean): void {
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
  if (withDaemonPath) daemonInsertRate(store, 20_000);
}

function main(): void {
  const queries = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5000);
  const queriesOnly = process.argv.includes('--queries-only');
  mkdirSync(dir, { recursive: true });
  const ready = path.join(dir, 'ready');
  const file = path.join(dir, 'index.sqlite');
  // --queries-only: measure on whatever the (possibly still growing) index holds now.
  if (!existsSync(ready) && !queriesOnly) {
    const bulk = openStore({ path: file, log: silentLogger() });
    try {
      generate(bulk);
    } finally {
      bulk.close();
    }
    writeFileSync(ready, `${new Date().toISOString()}\n`);
  }
  describe(file);
  warmPageCache(file);
  // Opened afresh: the daemon's own settings (synchronous=NORMAL, default cache).
  const store = openStore({ path: file, log: silentLogger() });
  try {
    measure(store, queries, !queriesOnly);
  } finally {
    store.close();
  }
}

main();
