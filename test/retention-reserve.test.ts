/**
 * The disk reserve (ballast) on a real, small ext4 file system: when another program fills
 * the disk to the last byte, SQLite cannot write the transaction that moves rows to
 * garbage, and nothing could ever be deleted. Retention releases the ballast, the
 * transaction fits, footage goes, and the ballast is written back once space allows.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { statfsDisk } from '../src/retention/disk.js';
import { Reserve } from '../src/retention/reserve.js';
import { Retention } from '../src/retention/retention.js';
import { openStore, type Store } from '../src/store/db.js';
import { seedRun } from './helpers/footage.js';
import { fillDisk, mountSmallDisk, smallDiskUnavailable, type SmallDisk } from './helpers/small-disk.js';

const t0 = Date.UTC(2026, 10, 1);
const mib = 1 << 20;

let disk: SmallDisk | null = null;
let store: Store | null = null;
afterEach(() => {
  store?.close();
  store = null;
  disk?.cleanup();
  disk = null;
});

describe('disk reserve on a disk filled by another program', () => {
  it.skipIf(smallDiskUnavailable() !== null)('is released so deletions can be recorded, then written back', async () => {
    disk = mountSmallDisk(48);
    const recordingsDir = path.join(disk.dir, 'recordings');
    fs.mkdirSync(recordingsDir);
    store = openStore({ path: path.join(disk.dir, 'index.sqlite'), log: silentLogger() });
    const clock = new ManualClock(t0 + 3_600_000);
    const files = seedRun({ store, recordingsDir, clock, cameraId: 'gate', startMs: t0, count: 12, segmentMs: 60_000, sizeBytes: mib });
    const reserveFile = path.join(disk.dir, 'reserve.bin');
    const paused: string[] = [];
    const retention = new Retention({
      store, recordingsDir, reserveFile, disk: statfsDisk(recordingsDir), clock, log: silentLogger(),
      settings: { maxAgeDays: 30, minFreeFraction: 0.1, minFreeMinutes: 0, highWater: 0.25, warnHoursLeft: 0, checkIntervalMs: 1000 },
      cameras: () => [{ id: 'gate', enabled: true }],
      recording: { pause: (r) => paused.push(r), resume: () => undefined },
    });

    // Room to spare: the first pass writes the ballast (1/64 of the disk, at least 1 MiB).
    await retention.tick();
    expect(fs.statSync(reserveFile).size).toBe(Reserve.sizeFor(disk.totalBytes()));

    // An empty WAL, so the next index write needs new blocks; then someone fills the disk.
    store.pragma('wal_checkpoint(TRUNCATE)');
    fillDisk(disk.dir);
    expect(disk.availableBytes()).toBeLessThan(64 * 1024);
    const other = new Database(store.path);
    try {
      expect(() => other.exec('CREATE TABLE probe_full(x); INSERT INTO probe_full VALUES (zeroblob(65536))')).toThrow(/full/i);
    } finally {
      other.close();
    }

    await retention.tick();
    expect(fs.existsSync(reserveFile)).toBe(false); // released
    const left = store.segments.filesOfCamera('gate').map((r) => r.relPath);
    expect(left.length).toBeLessThan(files.length);
    expect(left.length).toBeGreaterThan(0); // oldest first, only what the target needs
    for (const f of files) expect(fs.existsSync(path.join(recordingsDir, f)), f).toBe(left.includes(f));
    expect(disk.availableBytes()).toBeGreaterThanOrEqual(0.25 * disk.totalBytes() - 64 * 1024);
    expect(paused).toEqual([]);

    // The other program's file goes: the ballast is written back on the next pass.
    fs.rmSync(path.join(disk.dir, 'foreign-filler.bin'));
    await retention.tick();
    expect(fs.statSync(reserveFile).size).toBe(Reserve.sizeFor(disk.totalBytes()));
    await retention.close();
  });
});
