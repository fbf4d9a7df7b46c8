/**
 * SQLite refusing writes because the disk is full (a real SQLITE_FULL, produced by capping
 * the database's page count): the indexer's write fails and is counted by its caller, the
 * database stays consistent, and the write is replayed as soon as writes work again,
 * without waiting for a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { makeRunKey, runFolder, type StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore, type Store } from '../src/store/db.js';

const t0 = Date.UTC(2026, 10, 28);
const stream: StreamInfo = { videoCodec: 'h264', width: 640, height: 360, fps: 25, audioCodec: null };
let dir: string;
let store: Store;
let indexer: Indexer;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-full-'));
  store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  indexer = new Indexer({ store, recordingsDir: path.join(dir, 'recordings'), log: silentLogger(), clock: new ManualClock(t0) });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const runKey = makeRunKey(t0);
const segment = (seq: number) => ({
  cameraId: 'gate', runKey, seq, relPath: `${runFolder('gate', t0)}/${runKey}-${String(seq).padStart(6, '0')}.mp4`,
  startMs: t0 + (seq - 1) * 2000, endMs: t0 + seq * 2000, mediaDurationMs: 2000, observedCloseMs: t0 + seq * 2000, sizeBytes: 1000 + seq, stream,
});

it('queues writes refused with SQLITE_FULL and replays them in order once there is room', () => {
  indexer.onRunStarted({ cameraId: 'gate', runKey, anchorMs: t0, spawnedAtMs: t0, stream });
  indexer.onSegmentClosed(segment(1));
  // The database may not grow by a single page: the next writes need new pages.
  store.pragma(`max_page_count = ${String(store.pragma('page_count'))}`);
  let failures = 0;
  for (let seq = 2; seq <= 40; seq++) {
    try { indexer.onSegmentClosed(segment(seq)); } catch (err) {
      expect((err as { code?: string }).code).toBe('SQLITE_FULL');
      failures += 1;
    }
  }
  expect(failures).toBeGreaterThan(0);
  expect(indexer.pendingWrites).toBe(failures);
  expect(indexer.replayFailedWrites()).toBe(failures); // still full: nothing lost, nothing replayed
  expect(store.pragma('integrity_check')).toBe('ok');

  store.pragma('max_page_count = 1073741823'); // space is back
  expect(indexer.replayFailedWrites()).toBe(0);
  const rows = store.segments.filesOfCamera('gate');
  expect(rows.map((r) => r.relPath).sort()).toEqual(Array.from({ length: 40 }, (_, i) => segment(i + 1).relPath).sort());
  expect(store.usage.perCamera()[0]).toMatchObject({ segments: 40, bytes: 40 * 1000 + (40 * 41) / 2 });
  expect(store.pragma('integrity_check')).toBe('ok');
});

it('does not queue a write that can never succeed', () => {
  expect(() => indexer.onSegmentClosed({ ...segment(1), relPath: 'elsewhere/x.mp4' })).toThrow(/does not match/);
  expect(indexer.pendingWrites).toBe(0);
});
