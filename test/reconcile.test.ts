/**
 * Start-up reconciliation and the ffprobe prober on REAL fragmented-MP4 segments made
 * once per file by ffmpeg (25 fps, 1 s GOP, 1 s segments, AAC audio, x264 with B-frames).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { Spawner } from '../src/core/spawn.js';
import { runKeySpawnedMs, type StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { ffprobeProber } from '../src/indexer/probe.js';
import { reconcile, type ReconcileReport } from '../src/indexer/reconcile.js';
import { openStore, type Store } from '../src/store/db.js';

const stream: StreamInfo = { videoCodec: 'h264', width: 320, height: 240, fps: 25, audioCodec: 'aac' };
const prober = ffprobeProber('ffprobe');
const keyA = '20261128T100000000Z-aaaa';
const keyB = '20261128T110000000Z-bbbb';
const keyC = '20261128T120000000Z-cccc';
const day = '2026-11-28';
const anchorA = runKeySpawnedMs(keyA)! + 500;

let fixtures: string;
/** Segment lengths (ms) on the run timeline, from ffmpeg's own segment list. */
let csvMs: number[];
const fixture = (seq: number): string => path.join(fixtures, `f-${String(seq).padStart(6, '0')}.mp4`);

beforeAll(() => {
  fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-fix-'));
  execFileSync('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
    '-t', '4', '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-g', '25', '-c:a', 'aac', '-b:a', '32k',
    '-f', 'segment', '-segment_time', '1', '-reset_timestamps', '1', '-segment_start_number', '1', '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof',
    '-segment_list', path.join(fixtures, 'list.csv'), '-segment_list_type', 'csv', path.join(fixtures, 'f-%06d.mp4'),
  ]);
  csvMs = fs.readFileSync(path.join(fixtures, 'list.csv'), 'utf8').trim().split('\n').map((line) => {
    const [, a, b] = line.split(',');
    return Math.round((Number(b) - Number(a)) * 1000);
  });
}, 60_000);
afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

let dataDir: string;
let rec: string;
let quarantineDir: string;
let store: Store;
const clock = new ManualClock(Date.UTC(2026, 10, 28, 13, 0, 0));

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-'));
  rec = path.join(dataDir, 'recordings');
  quarantineDir = path.join(dataDir, 'quarantine');
  store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
});
afterEach(() => {
  store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const rel = (cam: string, key: string, seq: number): string => `${cam}/${day}/${key}-${String(seq).padStart(6, '0')}.mp4`;
function put(relPath: string, from: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(rec, relPath)), { recursive: true });
  if (typeof from === 'string') fs.copyFileSync(from, path.join(rec, relPath));
  else fs.writeFileSync(path.join(rec, relPath), from);
}
function truncatedCopy(seq: number): Buffer {
  const bytes = fs.readFileSync(fixture(seq));
  return bytes.subarray(0, Math.floor(bytes.length * 0.6)); // inside a fragment's mdat
}
const run = (): Promise<ReconcileReport> => reconcile({ store, recordingsDir: rec, quarantineDir, probe: prober, log: silentLogger(), clock });

/** Everything the index says, for before/after comparisons. */
function dump(): unknown {
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  try {
    return ['cameras', 'runs', 'segments'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all());
  } finally {
    db.close();
  }
}
function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

/** The crash scene: run A open with seq 1-2 indexed, 3 unindexed, 4 cut short, 5 garbage; B's files gone; C never indexed. */
function stage(): Indexer {
  const indexer = new Indexer({ store, recordingsDir: rec, log: silentLogger(), clock });
  indexer.ensureCamera('cam1', 'Gate');
  indexer.ensureCamera('cam3', 'Never recorded');
  indexer.onRunStarted({ cameraId: 'cam1', runKey: keyA, anchorMs: anchorA, spawnedAtMs: anchorA - 500, stream });
  let start = anchorA;
  for (const seq of [1, 2]) {
    put(rel('cam1', keyA, seq), fixture(seq));
    const end = start + csvMs[seq - 1]!;
    indexer.onSegmentClosed({ cameraId: 'cam1', runKey: keyA, seq, relPath: rel('cam1', keyA, seq), startMs: start, endMs: end,
      mediaDurationMs: end - start, observedCloseMs: end + 30, sizeBytes: fs.statSync(fixture(seq)).size, stream });
    start = end;
  }
  put(rel('cam1', keyA, 3), fixture(3));
  put(rel('cam1', keyA, 4), truncatedCopy(4));
  put(rel('cam1', keyA, 5), Buffer.from('this is not an mp4 file '.repeat(100)));
  const anchorB = runKeySpawnedMs(keyB)!;
  indexer.onRunStarted({ cameraId: 'cam1', runKey: keyB, anchorMs: anchorB, spawnedAtMs: anchorB, stream });
  for (const seq of [1, 2]) {
    indexer.onSegmentClosed({ cameraId: 'cam1', runKey: keyB, seq, relPath: rel('cam1', keyB, seq), startMs: anchorB + (seq - 1) * 1000,
      endMs: anchorB + seq * 1000, mediaDurationMs: 1000, observedCloseMs: anchorB + seq * 1000, sizeBytes: 1, stream });
  }
  indexer.onRunEnded({ cameraId: 'cam1', runKey: keyB, endedAtMs: anchorB + 2500, reason: 'stopped', detail: null });
  put(rel('cam2', keyC, 1), fixture(1));
  put(rel('cam2', keyC, 2), fixture(2));
  put(`cam1/${day}/notes.txt`, Buffer.from('left by a technician'));
  fs.mkdirSync(path.join(rec, 'cam1', '2026-11-27'), { recursive: true });
  return indexer;
}

describe('reconcile', () => {
  it('makes rows and files agree after a crash', async () => {
    stage();
    const report = await run();
    expect(report).toMatchObject({
      filesScanned: 7, rowsRemovedMissingFile: 2, filesIndexed: 4, filesQuarantined: 1,
      filesIgnored: 1, runsCreated: 1, runsClosed: 2, dayDirsRemoved: 1,
    });
    const a = store.runs.getByKey('cam1', keyA)!;
    const s2 = store.segments.bySeq(a.id, 2)!;
    const s3 = store.segments.bySeq(a.id, 3)!;
    const s4 = store.segments.bySeq(a.id, 4)!;
    // The unindexed whole file: chained on seq 2, with the length ffmpeg's segment list gave.
    expect(s3).toMatchObject({ startMs: s2.endMs, endMs: s2.endMs + csvMs[2]!, mediaDurationMs: csvMs[2], recovered: true, observedCloseMs: null, videoCodec: 'h264', audioCodec: 'aac', width: 320 });
    // The file cut inside a fragment: chained on seq 3, only its playable part.
    expect(s4.startMs).toBe(s3.endMs);
    expect(s4.mediaDurationMs).toBeGreaterThan(0);
    expect(s4.mediaDurationMs).toBeLessThan(csvMs[3]!);
    expect(s4.sizeBytes).toBe(fs.statSync(path.join(rec, s4.relPath)).size);
    // The open run ends where its last (recovered) segment ends.
    expect(store.runs.getByKey('cam1', keyA)).toMatchObject({ endReason: 'unclean-shutdown', endedMs: s4.endMs, endMs: s4.endMs });
    // Rows of B whose files are gone are deleted; B itself stays (it explains a gap).
    const b = store.runs.getByKey('cam1', keyB)!;
    expect(store.segments.bySeq(b.id, 1)).toBeUndefined();
    expect(b.endReason).toBe('stopped');
    // Garbage goes to quarantine under the same relative path; other files stay put.
    expect(filesUnder(quarantineDir)).toContain(rel('cam1', keyA, 5));
    expect(fs.existsSync(path.join(rec, rel('cam1', keyA, 5)))).toBe(false);
    expect(fs.existsSync(path.join(rec, `cam1/${day}/notes.txt`))).toBe(true);
    expect(fs.existsSync(path.join(rec, 'cam1', '2026-11-27'))).toBe(false);
  });

  it('creates a run for files of an unknown run, anchored on its run key', async () => {
    stage();
    await run();
    const c = store.runs.getByKey('cam2', keyC)!;
    const t = runKeySpawnedMs(keyC)!;
    expect(c).toMatchObject({ cameraId: 'cam2', startMs: t, spawnedMs: t, endReason: 'unclean-shutdown' });
    const c1 = store.segments.bySeq(c.id, 1)!;
    const c2 = store.segments.bySeq(c.id, 2)!;
    // Exactly the lengths ffmpeg's segment list gives (seq 1 includes the first frame's delay).
    expect([c1.startMs, c1.endMs, c2.startMs, c2.endMs]).toEqual([t, t + csvMs[0]!, c1.endMs, c1.endMs + csvMs[1]!]);
    expect(store.cameras.get('cam2')).toMatchObject({ name: 'cam2' });
  });

  it('leaves every row with a file and every segment file with a row; a second pass changes nothing', async () => {
    stage();
    await run();
    const rows = store.cameras.list().flatMap((c) => store.segments.filesOfCamera(c.id).map((r) => r.relPath)).sort();
    expect(filesUnder(rec).filter((f) => f.endsWith('.mp4'))).toEqual(rows);
    const before = { index: dump(), rec: filesUnder(rec), quarantine: filesUnder(quarantineDir) };
    const again = await run();
    expect(again).toMatchObject({ filesScanned: 6, rowsRemovedMissingFile: 0, filesIndexed: 0, filesQuarantined: 0, runsCreated: 0, runsClosed: 0, dayDirsRemoved: 0 });
    expect({ index: dump(), rec: filesUnder(rec), quarantine: filesUnder(quarantineDir) }).toEqual(before);
  });

  it('keeps the rows when recordings/ holds no segment file at all (disk not mounted)', async () => {
    stage();
    fs.rmSync(rec, { recursive: true, force: true });
    const report = await run();
    expect(report).toMatchObject({ missingCheckSkipped: true, rowsRemovedMissingFile: 0 });
    expect(store.segments.filesOfCamera('cam1').length).toBe(4);
  });

  it('indexes an abandoned segment at once through the indexer', async () => {
    const indexer = new Indexer({ store, recordingsDir: rec, quarantineDir, prober, log: silentLogger(), clock });
    indexer.onRunStarted({ cameraId: 'cam1', runKey: keyA, anchorMs: anchorA, spawnedAtMs: anchorA - 500, stream });
    put(rel('cam1', keyA, 1), truncatedCopy(1));
    indexer.segmentAbandoned({ cameraId: 'cam1', runKey: keyA, seq: 1, relPath: rel('cam1', keyA, 1), startMs: anchorA });
    indexer.segmentAbandoned({ cameraId: 'cam1', runKey: keyA, seq: 1, relPath: rel('cam1', keyA, 1), startMs: anchorA });
    await indexer.drain();
    const a = store.runs.getByKey('cam1', keyA)!;
    expect(store.segments.bySeq(a.id, 1)).toMatchObject({ startMs: anchorA, recovered: true });
    expect(a.endMs).toBeGreaterThan(anchorA);
  });
});

describe('ffprobe prober', () => {
  it('reports a whole segment with the length of its frames', async () => {
    const p = await prober.probe(fixture(2));
    expect(p).toEqual({ durationMs: csvMs[1], firstFrameMs: 80, declaredDurationMs: expect.any(Number), videoCodec: 'h264', width: 320, height: 240, audioCodec: 'aac', sizeBytes: fs.statSync(fixture(2)).size });
  });

  it('reports only the playable part of a file cut inside a fragment, unlike format.duration', async () => {
    const cut = path.join(fixtures, 'cut.mp4');
    const whole = fs.readFileSync(path.join(fixtures, 'f-000004.mp4'));
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const p = (await prober.probe(cut))!;
    const frames = Number(execFileSync('ffprobe', ['-v', 'quiet', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', cut]).toString().trim());
    expect(p.declaredDurationMs!).toBeGreaterThan(p.durationMs);
    // Decodable frames x 40 ms, within two frames (B-frames cut after their P-frame).
    expect(Math.abs(p.durationMs - frames * 40)).toBeLessThanOrEqual(80);
  });

  it('answers null for garbage, an empty file, a missing file and a hung ffprobe', async () => {
    const junk = path.join(fixtures, 'junk.mp4');
    fs.writeFileSync(junk, Buffer.alloc(20_000, 7));
    const empty = path.join(fixtures, 'empty.mp4');
    fs.writeFileSync(empty, '');
    expect(await prober.probe(junk)).toBeNull();
    expect(await prober.probe(empty)).toBeNull();
    expect(await prober.probe(path.join(fixtures, 'nope.mp4'))).toBeNull();
    const header = path.join(fixtures, 'header.mp4');
    fs.writeFileSync(header, fs.readFileSync(fixture(1)).subarray(0, 1300)); // ftyp + moov, no fragment
    expect((await prober.probe(header))?.durationMs ?? 0).toBe(0);
    const { spawn } = await import('node:child_process');
    const sleeper: Spawner = (_cmd, _args, opts) => spawn('sleep', ['30'], { stdio: opts?.stdio ?? 'pipe' });
    const started = Date.now();
    expect(await ffprobeProber('ffprobe', { spawner: sleeper, timeoutMs: 300 }).probe(fixture(1))).toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
