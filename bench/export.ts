/**
 * bench/export: an evidence export of N cameras × M minutes, end to end, and its offline
 * verification in another directory.
 *
 *   npx tsx bench/export.ts [--cameras 3] [--minutes 30] [--kbps 2000] [--size 1280x720]
 *
 * Recordings are made faster than real time: one minute of H.264 is encoded from a lavfi
 * source once, then looped by stream copy through the recorder's own segment-muxer
 * command line (src/recorder/ffmpeg-args.ts, 60 s fMP4 segments) for every camera, and
 * every closed segment is indexed through the real Indexer with synthetic times and sealed
 * as the daemon seals it. The export runs through the real ExportService and runner; the
 * package is verified by `node verify-export.mjs` in a fresh directory, then one byte is
 * flipped and it must fail. Prints MB/s of the export (package bytes and all bytes moved)
 * and of the verification.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RecordingsService } from '../src/clips/recordings.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { makeRunKey, runFolder, type StreamInfo } from '../src/core/types.js';
import { createExports, exportsDirOf } from '../src/exports/index.js';
import { HoldsService } from '../src/holds/holds-service.js';
import { loadOrCreateIdentity } from '../src/identity/box-identity.js';
import { Indexer } from '../src/indexer/indexer.js';
import { SegmentSealer } from '../src/integrity/sealer.js';
import { buildRecorderArgs } from '../src/recorder/ffmpeg-args.js';
import { openStore, type Store } from '../src/store/db.js';
import { standaloneVerifierFile } from '../src/verify/verify.js';
import { tempDir } from '../test/helpers/daemon.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '30' },
    kbps: { type: 'string', default: '2000' },
    size: { type: 'string', default: '1280x720' },
  },
});
const cameraCount = Number(values.cameras);
const minutes = Number(values.minutes);
const mb = (b: number) => b / 1e6;
const t0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const stream: StreamInfo = { videoCodec: 'h264', width: null, height: null, fps: 25, audioCodec: null };

function since(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}

/** One minute of H.264 (noise keeps the bitrate honest; GOP 2 s like a tuned camera). */
function encodeSourceMinute(dir: string): string {
  const file = path.join(dir, 'minute.mp4');
  const kbps = values.kbps;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${values.size}:rate=25`, '-t', '60',
    '-vf', 'noise=alls=12:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${2 * Number(kbps)}k`,
    '-g', '50', '-keyint_min', '50', '-bf', '0', '-pix_fmt', 'yuv420p', '-y', file]);
  return file;
}

/** The recorder's command line with the RTSP input swapped for a looped file; indexes each closed segment. */
function recordCamera(indexer: Indexer, recordingsDir: string, cameraId: string, source: string): Promise<number> {
  const runKey = makeRunKey(t0 - 500);
  const folder = runFolder(cameraId, t0 - 500);
  fs.mkdirSync(path.join(recordingsDir, folder), { recursive: true });
  indexer.onRunStarted({ cameraId, runKey, anchorMs: t0, spawnedAtMs: t0 - 500, stream });
  const base = buildRecorderArgs({ url: source, rtspTimeoutSeconds: 5, segmentSeconds: 60, audio: 'off', outputPattern: path.join(recordingsDir, folder, `${runKey}-%06d.mp4`), tagHevcAsHvc1: false, progressPeriodSeconds: 1 });
  const args: string[] = [];
  for (let i = 0; i < base.length; i++) {
    const a = base[i]!;
    if (['-progress', '-stats_period', '-rtsp_transport', '-timeout'].includes(a)) { i++; continue; }
    if (a === '-i') args.push('-stream_loop', String(minutes - 1));
    if (a === '-segment_atclocktime') { args.push(a, '0'); i++; continue; }
    args.push(a);
  }
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let segments = 0;
    let lastEnd = t0;
    let buffered = '';
    child.stderr.resume();
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const [name, , endS] = line.split(',');
        const seq = Number(/-(\d{6})\.mp4$/.exec(name!)![1]);
        const endMs = t0 + Math.round(Number(endS) * 1000);
        const relPath = `${folder}/${name}`;
        indexer.onSegmentClosed({ cameraId, runKey, seq, relPath, startMs: lastEnd, endMs, mediaDurationMs: endMs - lastEnd, observedCloseMs: endMs, sizeBytes: fs.statSync(path.join(recordingsDir, relPath)).size, stream });
        lastEnd = endMs;
        segments += 1;
      }
    });
    child.on('close', (code) => {
      indexer.onRunEnded({ cameraId, runKey, endedAtMs: lastEnd, reason: 'stopped', detail: null });
      if (code === 0) resolve(segments); else reject(new Error(`ffmpeg exit ${code}`));
    });
  });
}

function dropPageCache(): boolean {
  try {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

async function exportOnce(store: Store, dir: string, sealer: SegmentSealer, cameras: string[]) {
  const log = silentLogger();
  const identity = loadOrCreateIdentity({ dataDir: dir, clock: systemClock, log });
  const recordings = new RecordingsService({ store });
  const { service, runner } = createExports({
    store, clock: systemClock, log, spawner: systemSpawner, ffmpegPath: 'ffmpeg', dataDir: dir, recordingsDir: path.join(dir, 'recordings'), recordings,
    identity, holds: new HoldsService({ store, clock: systemClock }), audit: { append: () => {} }, cameras: () => cameras.map((id) => ({ id, name: id })),
    sealPending: (cameraId) => sealer.sealPending({ cameraId }), version: 'bench', settings: { maxRangeSeconds: 86_400, maxBytesPerSecond: 0 },
  });
  const job = service.create({ cameras, from: t0, to: t0 + minutes * 60_000, caseNumber: 'BENCH-1', reason: 'throughput' }, { actor: 'bench', address: 'local' });
  const start = performance.now();
  runner.start();
  let view = service.get(job.id);
  while (view.state !== 'done' && view.state !== 'failed') {
    await new Promise((r) => setTimeout(r, 100));
    view = service.get(job.id);
  }
  const seconds = since(start);
  await runner.close();
  if (view.state !== 'done') throw new Error(`export failed: ${view.error}`);
  return { view, seconds, tar: path.join(exportsDirOf(dir), view.packageFile!), fingerprint: identity.fingerprint };
}

function verifyElsewhere(tar: string, fingerprint: string) {
  const dir = tempDir('nvr-bench-verify-');
  fs.copyFileSync(standaloneVerifierFile, path.join(dir, 'verify-export.mjs'));
  fs.copyFileSync(tar, path.join(dir, 'evidence.tar'));
  const run = () => {
    const start = performance.now();
    const r = spawnSync(process.execPath, ['verify-export.mjs', 'evidence.tar', '--fingerprint', fingerprint], { cwd: dir, encoding: 'utf8' });
    return { code: r.status, seconds: since(start), last: r.stdout.trim().split('\n').at(-1) ?? '' };
  };
  const ok = run();
  const fd = fs.openSync(path.join(dir, 'evidence.tar'), 'r+');
  const at = Math.floor(fs.statSync(path.join(dir, 'evidence.tar')).size * 0.6);
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x01;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
  return { ok, tampered: run(), dir };
}

async function main(): Promise<void> {
  const dir = tempDir('nvr-bench-export-');
  const recordingsDir = path.join(dir, 'recordings');
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  const sealer = new SegmentSealer({ store, recordingsDir, clock: systemClock, log: silentLogger() });
  const indexer = new Indexer({ store, recordingsDir, log: silentLogger(), clock: systemClock, onSegmentIndexed: (r) => sealer.segmentIndexed(r) });
  const cameras = Array.from({ length: cameraCount }, (_, i) => `cam${i + 1}`);
  let start = performance.now();
  const source = encodeSourceMinute(dir);
  console.log(`# bench/export: ${cameraCount} cameras x ${minutes} min, ${values.size} H.264 ~${values.kbps} kbit/s, 60 s fMP4 segments`);
  console.log(`source minute encoded in ${since(start).toFixed(1)} s (${mb(fs.statSync(source).size).toFixed(1)} MB)`);
  start = performance.now();
  for (const id of cameras) {
    indexer.ensureCamera(id, id);
    await recordCamera(indexer, recordingsDir, id, source);
  }
  await sealer.sealPending();
  const recordedBytes = store.usage.perCamera().reduce((n, c) => n + c.bytes, 0);
  console.log(`recorded and sealed ${mb(recordedBytes).toFixed(0)} MB in ${since(start).toFixed(1)} s (sealing: ${sealer.stats().map((s) => `${s.cameraId} ${s.sealed} segs ${s.hashMs.toFixed(0)} ms`).join(', ')})`);
  const cold = dropPageCache();
  const { view, seconds, tar, fingerprint } = await exportOnce(store, dir, sealer, cameras);
  const moved = view.totalBytes;
  console.log('| export | package MB | all bytes moved MB | seconds | package MB/s | moved MB/s | page cache |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| ${cameraCount} x ${minutes} min | ${mb(view.packageBytes!).toFixed(0)} | ${mb(moved).toFixed(0)} | ${seconds.toFixed(1)} | ${(mb(view.packageBytes!) / seconds).toFixed(0)} | ${(mb(moved) / seconds).toFixed(0)} | ${cold ? 'dropped before' : 'warm (could not drop)'} |`);
  const v = verifyElsewhere(tar, fingerprint);
  console.log(`offline verification in ${v.dir}: exit ${v.ok.code} in ${v.ok.seconds.toFixed(1)} s (${(mb(view.packageBytes!) / v.ok.seconds).toFixed(0)} MB/s): ${v.ok.last}`);
  console.log(`after flipping one byte: exit ${v.tampered.code}: ${v.tampered.last}`);
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(v.dir, { recursive: true, force: true });
  if (v.ok.code !== 0 || v.tampered.code !== 1) process.exitCode = 1;
}

await main();
