/**
 * The recordings watcher with real inotify on a real folder, both ways it can watch (one
 * inotifywait for the tree, as on a box, and fs.watch per folder, its fallback): a file
 * removed by hand loses its row (and says so in the log), so do the files of a day folder
 * removed or moved away; files the daemon did not write are reported and never indexed;
 * retention's own deletions are silent. Under inotifywait a write into a file is no event.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { systemSpawner } from '../src/core/spawn.js';
import { createLogger, silentLogger } from '../src/core/logger.js';
import { makeRunKey, runFolder } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { statfsDisk } from '../src/retention/disk.js';
import { FilesWatcher } from '../src/retention/files-watcher.js';
import { Retention } from '../src/retention/retention.js';
import { openStore, type Store } from '../src/store/db.js';
import { seedRun } from './helpers/footage.js';
import { waitFor } from './helpers/daemon.js';

const t0 = Date.UTC(2026, 10, 1);
let dir: string;
let recordingsDir: string;
let store: Store;
let watcher: FilesWatcher;
let logLines: string[];
const clock = new ManualClock(t0 + 3_600_000);

const modes = [
  { via: 'inotifywait', treeWatch: { spawner: systemSpawner } },
  { via: 'fs.watch', treeWatch: undefined },
] as const;

describe.each(modes)('files watcher via $via', ({ via, treeWatch }) => {
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-watch-'));
    recordingsDir = path.join(dir, 'recordings');
    fs.mkdirSync(recordingsDir);
    store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
    logLines = [];
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => logLines.push(...d.toString().trim().split('\n')));
    watcher = new FilesWatcher({ store, recordingsDir, log: createLogger({ destination: sink }), graceMs: 300, ...(treeWatch ? { treeWatch } : {}) });
  });
  afterEach(async () => {
    await watcher.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => store.segments.filesOfCamera('gate').map((r) => r.relPath);
  const seed = () => seedRun({ store, recordingsDir, clock, cameraId: 'gate', startMs: t0, count: 3, segmentMs: 60_000, sizeBytes: 1000 });

  it('watches the way it was asked to', async () => {
    await watcher.start();
    expect(watcher.stats().via).toBe(via);
  });

  it('gets no event for a write into a file under inotifywait (fs.watch: one per write)', async () => {
    const files = seed();
    await watcher.start();
    const before = watcher.stats().events;
    const file = path.join(recordingsDir, files[2]!);
    for (let i = 0; i < 5; i++) {
      fs.appendFileSync(file, 'fragment');
      await new Promise((r) => setTimeout(r, 30));
    }
    // A name that comes and goes afterwards: both ways see it, so the writes had their chance.
    fs.writeFileSync(path.join(path.dirname(file), 'probe.tmp'), 'x');
    await waitFor('the probe seen', () => watcher.stats().foreignFiles === 1, 5000, 20);
    const writes = watcher.stats().events - before - 1;
    if (via === 'inotifywait') expect(writes).toBe(0);
    else expect(writes).toBeGreaterThanOrEqual(5);
  });

  it('removes the row of a file deleted by hand, with a warning naming it', async () => {
    const files = seed();
    await watcher.start();
    fs.rmSync(path.join(recordingsDir, files[1]!));
    await waitFor('the row to go', () => rows().length === 2, 5000, 50);
    expect(rows().sort()).toEqual([files[0], files[2]].sort());
    expect(watcher.stats().removedByHand).toBe(1);
    expect(store.usage.perCamera()[0]).toMatchObject({ segments: 2, bytes: 2000 });
    expect(logLines.some((l) => l.includes('removed outside the daemon') && l.includes(files[1]!))).toBe(true);
  });

  it('removes the rows of a day folder deleted or moved away by hand, and keeps watching new folders', async () => {
    const files = seed();
    await watcher.start();
    expect(watcher.stats().watchedFolders).toBe(3); // root, camera, day
    const day = path.dirname(path.join(recordingsDir, files[0]!));
    fs.renameSync(day, path.join(dir, 'moved-away')); // one event on the camera folder only
    await waitFor('the rows to go', () => rows().length === 0, 5000, 50);
    expect(watcher.stats()).toMatchObject({ removedByHand: 3, watchedFolders: 2 });

    // A new day folder appears (as at midnight): its files are watched from then on.
    const next = seedRun({ store, recordingsDir, clock, cameraId: 'gate', startMs: t0 + 86_400_000, count: 2, segmentMs: 60_000, sizeBytes: 1000 });
    await waitFor('the new day folder watched', () => watcher.stats().watchedFolders === 3, 5000, 50);
    fs.rmSync(path.dirname(path.join(recordingsDir, next[0]!)), { recursive: true });
    await waitFor('its rows to go', () => watcher.stats().removedByHand === 5, 5000, 50);
    expect(rows()).toEqual([]);
    expect(watcher.stats().foreignFiles).toBe(0);
  });

  it('reports files it did not write, and indexes none of them', async () => {
    seed();
    await watcher.start();
    const day = path.join(recordingsDir, 'gate', '2026-11-01');
    fs.writeFileSync(path.join(day, 'holiday.mp4'), 'x');
    // Well named, but no run of ours: foreign once the grace period is over.
    const stranger = `${makeRunKey(t0 + 999_000)}-000001.mp4`;
    fs.writeFileSync(path.join(day, stranger), 'x');
    fs.mkdirSync(path.join(recordingsDir, 'Backup Copy'));
    await waitFor('three foreign entries', () => watcher.stats().foreignFiles === 3, 5000, 50);
    expect([...watcher.stats().recentForeign].sort()).toEqual(['Backup Copy', 'gate/2026-11-01/holiday.mp4', `gate/2026-11-01/${stranger}`].sort());
    expect(rows()).toHaveLength(3);
    expect(logLines.filter((l) => l.includes('did not write'))).toHaveLength(3);
  });

  it('does not report a new segment of a known run, nor retention\'s own deletions', async () => {
    seed();
    await watcher.start();
    // A run recording now: ffmpeg opens its first file; the run row exists, the segment row not yet.
    const nowMs = t0 + 40 * 86_400_000;
    const runKey = makeRunKey(nowMs);
    new Indexer({ store, recordingsDir, log: silentLogger(), clock }).onRunStarted({
      cameraId: 'gate', runKey, anchorMs: nowMs, spawnedAtMs: nowMs, stream: { videoCodec: 'h264', width: 1, height: 1, fps: 25, audioCodec: null },
    });
    fs.mkdirSync(path.join(recordingsDir, runFolder('gate', nowMs)), { recursive: true });
    fs.writeFileSync(path.join(recordingsDir, runFolder('gate', nowMs), `${runKey}-000001.mp4`), 'x');
    const retention = new Retention({
      store, recordingsDir, reserveFile: path.join(dir, 'reserve.bin'), disk: statfsDisk(recordingsDir), clock: new ManualClock(nowMs),
      log: silentLogger(), cameras: () => [{ id: 'gate', enabled: true }],
      settings: { maxAgeDays: 30, minFreeFraction: 0.01, minFreeMinutes: 0, highWater: 0.02, warnHoursLeft: 0, checkIntervalMs: 1000 },
    });
    await retention.tick();
    expect(rows()).toEqual([]);
    await new Promise((r) => setTimeout(r, 800)); // past the grace period
    expect(watcher.stats()).toMatchObject({ removedByHand: 0, foreignFiles: 0 });
  });
});
