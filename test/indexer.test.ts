/**
 * Recorder events → rows (idempotent), and the coverage answer built from them: spans,
 * gaps with their reasons, clipping at the range edges.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingsService } from '../src/clips/recordings.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { RunEndReason, SegmentClosedEvent, StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore, type Store } from '../src/store/db.js';

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const s = (seconds: number): number => T0 + seconds * 1000;
const stream: StreamInfo = { videoCodec: 'h264', width: 640, height: 360, fps: 25, audioCodec: 'aac' };

let dir: string;
let store: Store;
let indexer: Indexer;
let recordings: RecordingsService;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-'));
  store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  indexer = new Indexer({ store, recordingsDir: path.join(dir, 'recordings'), log: silentLogger(), clock: new ManualClock(T0) });
  recordings = new RecordingsService({ store });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function runKeyAt(ms: number, suffix: string): string {
  return `${new Date(ms).toISOString().replace(/[-:.]/g, '')}-${suffix}`;
}

function closed(runKey: string, seq: number, startMs: number, endMs: number, cameraId = 'cam1'): SegmentClosedEvent {
  return {
    cameraId, runKey, seq, startMs, endMs, mediaDurationMs: endMs - startMs, observedCloseMs: endMs + 40, sizeBytes: 50_000 + seq,
    relPath: `${cameraId}/2026-11-28/${runKey}-${String(seq).padStart(6, '0')}.mp4`, stream,
  };
}

/** A run of `lengths` (seconds) starting at second `at`; ended with `reason` unless null. */
function run(suffix: string, at: number, lengths: number[], reason: RunEndReason | null): string {
  const runKey = runKeyAt(s(at) - 700, suffix);
  indexer.onRunStarted({ cameraId: 'cam1', runKey, anchorMs: s(at), spawnedAtMs: s(at) - 700, stream });
  let start = s(at);
  lengths.forEach((len, i) => {
    indexer.onSegmentClosed(closed(runKey, i + 1, start, start + len * 1000));
    start += len * 1000;
  });
  if (reason) indexer.onRunEnded({ cameraId: 'cam1', runKey, endedAtMs: start + 300, reason, detail: 'x' });
  return runKey;
}

describe('indexer', () => {
  it('turns events into rows with the exact event times and extends the run', () => {
    indexer.ensureCamera('cam1', 'Gate');
    const key = run('aaaa', 0, [10, 10.013, 9.987], null);
    const r = store.runs.getByKey('cam1', key)!;
    expect(r).toMatchObject({ cameraId: 'cam1', spawnedMs: s(0) - 700, startMs: s(0), endMs: s(30), endedMs: null, endReason: null, fps: 25, maxSegmentMs: 10_013 });
    const rows = store.segments.inRange('cam1', s(0), s(30));
    expect(rows.map((x) => [x.seq, x.startMs, x.endMs])).toEqual([[1, s(0), s(10)], [2, s(10), s(20.013)], [3, s(20.013), s(30)]]);
    expect(rows[1]).toMatchObject({ observedCloseMs: s(20.013) + 40, sizeBytes: 50_002, recovered: false, videoCodec: 'h264', audioCodec: 'aac' });
    indexer.onRunEnded({ cameraId: 'cam1', runKey: key, endedAtMs: s(31), reason: 'stopped', detail: null });
    expect(store.runs.getByKey('cam1', key)).toMatchObject({ endedMs: s(31), endReason: 'stopped', endMs: s(30) });
    expect(store.cameras.get('cam1')?.name).toBe('Gate');
  });

  it('ignores repeated events: the first answer stays', () => {
    const key = run('bbbb', 0, [10, 10], 'camera-disconnected');
    const before = JSON.stringify([store.runs.getByKey('cam1', key), store.segments.inRange('cam1', s(0), s(20))]);
    indexer.onRunStarted({ cameraId: 'cam1', runKey: key, anchorMs: s(5), spawnedAtMs: s(4), stream });
    indexer.onSegmentClosed(closed(key, 2, s(10), s(20)));
    indexer.onSegmentClosed({ ...closed(key, 2, s(10), s(25)), relPath: closed(key, 2, 0, 1).relPath });
    indexer.onRunEnded({ cameraId: 'cam1', runKey: key, endedAtMs: s(99), reason: 'stalled', detail: null });
    expect(JSON.stringify([store.runs.getByKey('cam1', key), store.segments.inRange('cam1', s(0), s(20))])).toBe(before);
  });

  it('creates the run from a SegmentClosed whose RunStarted was lost, and the camera from an event', () => {
    const key = runKeyAt(s(0), 'cccc');
    indexer.onSegmentClosed(closed(key, 3, s(20), s(30), 'cam9'));
    expect(store.runs.getByKey('cam9', key)).toMatchObject({ cameraId: 'cam9', startMs: s(20), endMs: s(30), spawnedMs: s(0), endReason: null });
    expect(store.cameras.get('cam9')?.name).toBe('cam9');
    indexer.ensureCamera('cam9', 'Back door');
    indexer.onRunStarted({ cameraId: 'cam9', runKey: runKeyAt(s(40), 'dddd'), anchorMs: s(41), spawnedAtMs: s(40), stream });
    expect(store.cameras.get('cam9')?.name).toBe('Back door');
  });

  it('refuses a path that is not the run’s file or a non-integer time; the sink only logs', () => {
    const key = runKeyAt(s(0), 'eeee');
    expect(() => indexer.onSegmentClosed({ ...closed(key, 1, s(0), s(10)), relPath: '../etc/passwd' })).toThrow(/does not match/);
    expect(() => indexer.onSegmentClosed({ ...closed(key, 1, s(0), s(10)), relPath: closed(key, 2, 0, 1).relPath })).toThrow(/does not match/);
    expect(() => indexer.onSegmentClosed({ ...closed(key, 1, s(0), s(10)), endMs: s(10) + 0.5 })).toThrow(/not an integer/);
    expect(() => indexer.segmentClosed({ ...closed(key, 1, s(0), s(10)), relPath: 'x.mp4' })).not.toThrow();
    expect(store.segments.last('cam1')).toBeUndefined();
  });
});

describe('coverage', () => {
  // A: 0-30 ended camera-disconnected; B: 45-65 ended stalled;
  // C: 100-130 still open, its segment 110-120 deleted.
  beforeEach(() => {
    run('aaaa', 0, [10, 10, 10], 'camera-disconnected');
    run('bbbb', 45, [10, 10], 'stalled');
    const c = run('cccc', 100, [10, 10, 10], null);
    const cRun = store.runs.getByKey('cam1', c)!;
    store.segments.deleteByIds([store.segments.bySeq(cRun.id, 2)!.id]);
  });
  const span = (a: number, b: number) => ({ fromMs: s(a), toMs: s(b) });
  const gap = (a: number, b: number, reason: string) => ({ fromMs: s(a), toMs: s(b), reason });

  it('merges chained segments into spans and names every gap', () => {
    expect(recordings.coverage('cam1', s(-20), s(150))).toEqual({
      runs: [span(0, 30), span(45, 65), span(100, 110), span(120, 130)],
      gaps: [gap(-20, 0, 'not-recorded'), gap(30, 45, 'camera-disconnected'), gap(65, 100, 'stalled'), gap(110, 120, 'deleted'), gap(130, 150, 'in-progress')],
    });
  });

  it('clips spans at the range edges and takes the reason of a leading gap from before the range', () => {
    expect(recordings.coverage('cam1', s(5), s(50))).toEqual({ runs: [span(5, 30), span(45, 50)], gaps: [gap(30, 45, 'camera-disconnected')] });
    expect(recordings.coverage('cam1', s(70), s(105))).toEqual({ runs: [span(100, 105)], gaps: [gap(70, 100, 'stalled')] });
    expect(recordings.coverage('cam1', s(32), s(40))).toEqual({ runs: [], gaps: [gap(32, 40, 'camera-disconnected')] });
  });

  it('answers a range inside one segment, and one a few ms before a segment', () => {
    expect(recordings.coverage('cam1', s(12), s(13))).toEqual({ runs: [span(12, 13)], gaps: [] });
    expect(recordings.coverage('cam1', s(45) - 3, s(46))).toEqual({ runs: [span(45, 46)], gaps: [{ fromMs: s(45) - 3, toMs: s(45), reason: 'camera-disconnected' }] });
  });

  it("says 'in-progress' after the open run's last closed segment and 'not-recorded' before anything", () => {
    expect(recordings.coverage('cam1', s(140), s(150))).toEqual({ runs: [], gaps: [gap(140, 150, 'in-progress')] });
    expect(recordings.coverage('cam1', s(-100), s(-50))).toEqual({ runs: [], gaps: [gap(-100, -50, 'not-recorded')] });
    expect(recordings.coverage('cam2', s(0), s(10))).toEqual({ runs: [], gaps: [gap(0, 10, 'not-recorded')] });
  });

  it("splits a gap where a run's first segments were deleted (retention)", () => {
    const a = store.runs.getByKey('cam1', runKeyAt(s(0) - 700, 'aaaa'))!;
    store.segments.deleteByIds([store.segments.bySeq(a.id, 1)!.id]);
    expect(recordings.coverage('cam1', s(-5), s(15))).toEqual({ runs: [span(10, 15)], gaps: [gap(-5, 0, 'not-recorded'), gap(0, 10, 'deleted')] });
  });

  it('lists segment rows for clips and the last segment', () => {
    expect(recordings.segmentsInRange('cam1', s(25), s(101)).map((r) => [r.seq, r.startMs])).toEqual([[3, s(20)], [1, s(45)], [2, s(55)], [1, s(100)]]);
    expect(recordings.lastSegment('cam1')).toMatchObject({ seq: 3, startMs: s(120), endMs: s(130) });
    expect(recordings.lastSegment('cam2')).toBeNull();
    expect(() => recordings.coverage('cam1', s(10), s(10))).toThrow(/after its start/);
  });
});
