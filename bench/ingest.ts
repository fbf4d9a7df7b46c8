/**
 * bench/ingest: what recording N cameras costs with the daemon, against N bare ffmpeg
 * recorders with the same command line and no daemon, side by side in one run.
 *
 *   npx tsx bench/ingest.ts [--cameras 1,16,64] [--seconds 30] [--segment 10] [--warmup 10] [--pin] [--together [--bare-last]]
 *
 * By default the bare recorders are measured first, then the daemon. `--together` runs
 * both at once (2N sessions on the test camera) and measures them over the same window:
 * on a shared box the load and the camera server's pacing then weigh on both sides alike,
 * where in turn they can differ by ±25 % at 64 cameras between the two windows. Which
 * group connects first still matters (~4 %: the second costs more), hence `--bare-last`.
 *
 * The daemon is measured in steady state: after every camera has its health card, then
 * the warm-up. Evidence sealing (SHA-256 at close) is on, as on a box; the daemon's cost
 * with it and without it is measured by bench/daemon-cost.ts.
 * Prints, per N: CPU (share of one core) of the bare recorders and of the daemon plus its
 * ffmpeg children, their ratio, daemon RSS, total RSS, segments on disk vs indexed, and
 * the time from a segment's last write to its row being visible in the index.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { listSegmentFiles, readSegments, tempDir } from '../test/helpers/daemon.js';
import { measureTree, type WindowFigures } from './proc-stats.js';
import { pinCameraApart, startBareRecorders, startBenchCamera, startBenchDaemon, stopAll } from './recorders.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '1,16,64' },
    seconds: { type: 'string', default: '30' },
    segment: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '10' },
    // Pin the test camera to CPU 1 and everything measured to CPU 0,
    // so at 64 cameras the RTSP server does not compete with what is measured.
    pin: { type: 'boolean', default: false },
    together: { type: 'boolean', default: false },
    // With --together: start the bare recorders after the daemon. The group that connects
    // second to the test camera costs ~4 % more on this box, so run both orders.
    'bare-last': { type: 'boolean', default: false },
  },
});
const counts = values.cameras.split(',').map(Number);
const windowS = Number(values.seconds);
const segmentS = Number(values.segment);
const warmupS = Number(values.warmup);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/**
 * Polls the index and records, for each new row, how long after its file's last write it
 * appeared. One long-lived read-only connection: reopening the database 20 times a second
 * (and a config file in the data dir, which the daemon's config watcher then wakes on)
 * measurably loaded the daemon being measured.
 */
function watchIndexLatency(dataDir: string): { stop(): number[] } {
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  const newRows = db.prepare<[number], { id: number; rel_path: string }>('SELECT id, rel_path FROM segments WHERE id > ? ORDER BY id');
  let lastId = (db.prepare('SELECT coalesce(max(id), 0) AS m FROM segments').get() as { m: number }).m;
  const latencies: number[] = [];
  const timer = setInterval(() => {
    for (const row of newRows.all(lastId)) {
      lastId = row.id;
      try {
        latencies.push(Date.now() - statSync(path.join(dataDir, 'recordings', row.rel_path)).mtimeMs);
      } catch { /* deleted meanwhile */ }
    }
  }, 50);
  return { stop: () => { clearInterval(timer); db.close(); return latencies; } };
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
}

let healthCardsS = 0;

/** `alongside`: measured over the daemon's window (the bare recorders, with --together). */
async function benchDaemon(url: string, n: number, alongside?: () => Promise<WindowFigures>, onListening?: () => void) {
  const { d, dataDir, healthCardsS: cardsS } = await startBenchDaemon(url, n, { segmentSeconds: segmentS, ...(onListening ? { onListening } : {}) });
  healthCardsS = cardsS;
  await sleep(warmupS);
  const watcher = watchIndexLatency(dataDir);
  const [fig, alongsideFig] = await Promise.all([measureTree(() => [d.child.pid!], windowS), alongside?.()]);
  const latencies = watcher.stop();
  d.child.kill('SIGTERM');
  const { code } = await d.exited;
  const files = listSegmentFiles(dataDir);
  const rows = readSegments(dataDir).map((r) => r.rel_path);
  const lost = files.filter((f) => !rows.includes(f)).length + rows.filter((r) => !files.includes(r)).length;
  return { fig, alongsideFig, latencies, files: files.length, rows: rows.length, lost, exitCode: code };
}

async function main(): Promise<void> {
  const cam = await startBenchCamera();
  if (values.pin) pinCameraApart(cam.pid);
  console.log(`# bench/ingest: test camera 1920x1080 25 fps 4 Mbit/s GOP 2 s; segments ${segmentS} s; window ${windowS} s after ${warmupS} s warm-up${values.pin ? '; camera pinned to CPU 1, recorders and daemon to CPU 0' : ''}${values.together ? `; bare and daemon measured together over the same window, ${values['bare-last'] ? 'daemon' : 'bare'} started first` : '; bare measured first, then the daemon'}`);
  console.log('| cameras | bare CPU (cores) | daemon+ffmpeg CPU (cores) | ratio | daemon RSS MB | total RSS MB (bare / daemon) | files / rows / lost | index latency p50 / max ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (const n of counts) {
      const dir = tempDir('nvr-bench-bare-');
      const startBare = () => startBareRecorders(cam.url, n, dir, { segmentSeconds: segmentS });
      const bareLast = values.together && values['bare-last'];
      let bare = bareLast ? [] : startBare();
      const measureBare = () => measureTree(() => bare.map((c) => c.pid!).filter(Boolean), windowS);
      let r: Awaited<ReturnType<typeof benchDaemon>>;
      let bareFig: WindowFigures;
      if (values.together) {
        // The daemon's start (health cards, warm-up) is also the bare recorders' warm-up.
        r = await benchDaemon(cam.url, n, measureBare, bareLast ? () => { bare = startBare(); } : undefined);
        bareFig = r.alongsideFig!;
        await stopAll(bare);
      } else {
        await sleep(warmupS);
        bareFig = await measureBare();
        await stopAll(bare);
        r = await benchDaemon(cam.url, n);
      }
      console.log(`| ${n} | ${bareFig.cores.toFixed(4)} | ${r.fig.cores.toFixed(4)} | ${(r.fig.cores / bareFig.cores).toFixed(2)} | ${mb(r.fig.rootRssBytes)} | ${mb(bareFig.rssBytes)} / ${mb(r.fig.rssBytes)} | ${r.files} / ${r.rows} / ${r.lost} | ${pct(r.latencies, 50).toFixed(0)} / ${Math.max(...r.latencies).toFixed(0)} |`);
      const split = (f: Record<string, number>) => Object.entries(f).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
      console.log(`|   | (health cards of all cameras done ${healthCardsS.toFixed(0)} s after the first segments) | | | | | | |`);
      console.log(`|   | by process: ${split(bareFig.coresByComm)} | ${split(r.fig.coresByComm)} | | | | | |`);
    }
  } finally {
    await cam.stop();
  }
}

await main();
