/**
 * Retention against a real SQLite index and real files: the policy arithmetic, age per
 * camera, byte quotas, and disk pressure on a real loop-mounted ext4 file system (free
 * space is what the kernel says), with evidence holds that must survive every rule.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { statfsDisk, type DiskUsage } from '../src/retention/disk.js';
import { storageFindings } from '../src/retention/health-check.js';
import { freeFloorBytes, refillTargetBytes, type RetentionCamera } from '../src/retention/policy.js';
import { Retention, type RetentionSettings } from '../src/retention/retention.js';
import { openStore, type Store } from '../src/store/db.js';
import { filesUnder, seedRun } from './helpers/footage.js';
import { fillDisk, mountSmallDisk, smallDiskUnavailable, type SmallDisk } from './helpers/small-disk.js';

const dayMs = 86_400_000;
const t0 = Date.UTC(2026, 10, 1);
const settings: RetentionSettings = { maxAgeDays: 30, minFreeFraction: 0.1, minFreeMinutes: 0, highWater: 0.25, warnHoursLeft: 0, checkIntervalMs: 1000 };

interface Bed {
  dir: string;
  store: Store;
  clock: ManualClock;
  recordingsDir: string;
  paused: string[];
  resumed: number;
  retention(cameras: RetentionCamera[], s?: Partial<RetentionSettings>): Retention;
  rows(cameraId: string): string[];
  close(): void;
}

/**
 * The age and quota tests keep their files in the host's temp folder, whose free space
 * the test does not control (a nearly full dev disk would trigger the pressure rule and
 * purge what those tests count): they measure the disk through this port instead. Disk
 * pressure itself is tested below on a real small file system.
 */
const roomyDisk = { space: async () => ({ totalBytes: 1e12, availableBytes: 9e11 }) };

function bed(dir: string, nowMs: number, disk?: DiskUsage): Bed {
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  const clock = new ManualClock(nowMs);
  const recordingsDir = path.join(dir, 'recordings');
  fs.mkdirSync(recordingsDir, { recursive: true });
  const b: Bed = {
    dir, store, clock, recordingsDir, paused: [], resumed: 0,
    retention: (cameras, s = {}) => new Retention({
      store, recordingsDir, reserveFile: path.join(dir, 'reserve.bin'), disk: disk ?? statfsDisk(recordingsDir), clock, log: silentLogger(),
      settings: { ...settings, ...s }, cameras: () => cameras,
      recording: { pause: (r) => b.paused.push(r), resume: () => { b.resumed += 1; } },
    }),
    rows: (cameraId) => store.segments.filesOfCamera(cameraId).map((r) => r.relPath).sort(),
    close: () => store.close(),
  };
  return b;
}

const cam = (id: string, extra: Partial<RetentionCamera> = {}): RetentionCamera => ({ id, enabled: true, ...extra });

describe('policy arithmetic', () => {
  const s = { minFreeFraction: 0.05, minFreeMinutes: 60, highWater: 0.1 };
  it('takes the larger floor: a fraction of the disk or N minutes of bandwidth', () => {
    expect(freeFloorBytes(1e12, 0, s)).toBe(5e10);
    // 8 cameras at 4 Mbit/s = 4 MB/s; 60 minutes = 14.4 GB, above 5 % of 100 GB.
    expect(freeFloorBytes(1e11, 4e6, s)).toBe(14_400_000_000);
    // 64 cameras (32 MB/s) on a 252 GB disk: an hour is 115 GB; the floor stops at a quarter of the disk.
    expect(freeFloorBytes(252e9, 32e6, s)).toBe(63e9);
  });
  it('refills above the high-water mark, keeping hysteresis over a bandwidth floor', () => {
    expect(refillTargetBytes(1e12, 5e10, s)).toBe(1e11);
    expect(refillTargetBytes(1e11, 14_400_000_000, s)).toBe(14_400_000_000 + 5e9);
  });
});

describe('how often retention passes', () => {
  let dir: string;
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  /** A disk of 1 TB whose free space the test sets; the floor is 10 % of it (1e11). */
  const diskWith = (free: { bytes: number } | 'unreadable'): DiskUsage => ({
    space: async () => {
      if (free === 'unreadable') throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return { totalBytes: 1e12, availableBytes: free.bytes };
    },
  });

  it('every checkIntervalMs far from the floor; every 10 s near it, before the first pass and when the disk cannot be read', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-ret-'));
    const free = { bytes: 9e11 };
    const b = bed(dir, t0 + 4 * 60_000, diskWith(free));
    try {
      // 100 bytes a second of recent footage: 10 minutes of it is 60 kB.
      seedRun({ store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, cameraId: 'gate', startMs: t0, count: 3, segmentMs: 60_000, sizeBytes: 6000 });
      const r = b.retention([cam('gate')], { checkIntervalMs: 60_000 });
      expect(r.nextPassDelayMs()).toBe(10_000);
      await r.tick();
      expect(r.nextPassDelayMs()).toBe(60_000);
      free.bytes = 1e11 + 20_000; // above the floor, but 200 s of writing from it
      await r.tick();
      expect(r.nextPassDelayMs()).toBe(10_000);
      free.bytes = 1e11 + 1e6; // well over 10 minutes away again
      await r.tick();
      expect(r.nextPassDelayMs()).toBe(60_000);
      expect(b.retention([cam('gate')], { checkIntervalMs: 2000 }).nextPassDelayMs()).toBe(2000); // never slower than asked
      const broken = bed(dir, t0 + 4 * 60_000, diskWith('unreadable'));
      try {
        const rb = broken.retention([cam('gate')], { checkIntervalMs: 60_000 });
        await rb.tick();
        expect(rb.snapshot().diskError).toMatch(/EIO/);
        expect(rb.nextPassDelayMs()).toBe(10_000);
      } finally { broken.close(); }
    } finally {
      b.close();
    }
  });
});

describe('retention by age and quota (real index and files)', () => {
  let b: Bed;
  afterEach(() => { b?.close(); });

  it('deletes footage past each camera\'s age, with per-camera overrides, never held footage', async () => {
    b = bed(fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-ret-')), t0 + 40 * dayMs, roomyDisk);
    const seg = { store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, segmentMs: 3_600_000, sizeBytes: 1000 };
    // Two cameras with footage from day 0 to day 40 (one segment a day, easy to count).
    const gate = seedRun({ ...seg, cameraId: 'gate', startMs: t0, count: 40, segmentMs: dayMs });
    const hall = seedRun({ ...seg, cameraId: 'hall', startMs: t0, count: 40, segmentMs: dayMs });
    // A hold on gate's day 2..3 (an old incident).
    b.store.holds.create({ cameraIds: ['gate'], caseNumber: 'VV-1', reason: 'theft', fromMs: t0 + 2 * dayMs + 1000, toMs: t0 + 2 * dayMs + 2000, untilMs: null, createdBy: 'test', nowMs: b.clock.nowMs() });
    const r = b.retention([cam('gate'), cam('hall', { retentionDays: 7 })]);
    await r.tick();
    // gate keeps 30 days (segments ending at or before now-30d go) plus the held day 2.
    expect(b.rows('gate')).toEqual([gate[2]!, ...gate.slice(10)].sort());
    expect(b.rows('hall')).toEqual(hall.slice(33).sort());
    expect(filesUnder(b.recordingsDir)).toEqual([...b.rows('gate'), ...b.rows('hall')].sort());
    const snap = r.snapshot();
    expect(snap.deletedSegments.age).toBe(9 + 33);
    expect(snap.garbagePending).toBe(0);
    expect(snap.cameras.find((c) => c.cameraId === 'gate')).toMatchObject({ segments: 31, bytes: 31_000, heldBytes: 1000, maxAgeDays: 30 });
    expect(snap.cameras.find((c) => c.cameraId === 'hall')).toMatchObject({ segments: 7, maxAgeDays: 7, retainedDays: 7 });
  });

  it('keeps a camera under its byte quota by deleting its own oldest unheld footage', async () => {
    b = bed(fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-ret-')), t0 + dayMs, roomyDisk);
    const seg = { store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, startMs: t0, count: 20, segmentMs: 60_000, sizeBytes: 100_000 };
    const gate = seedRun({ ...seg, cameraId: 'gate' });
    const hall = seedRun({ ...seg, cameraId: 'hall' });
    b.store.holds.create({ cameraIds: ['gate'], caseNumber: 'VV-2', reason: 'fight', fromMs: t0, toMs: t0 + 60_000, untilMs: null, createdBy: 'test', nowMs: b.clock.nowMs() });
    await b.retention([cam('gate', { maxBytes: 1_000_000 }), cam('hall')]).tick();
    // 2 MB over a 1 MB quota: the held first segment stays, then the newest 9 unheld.
    expect(b.rows('gate')).toEqual([gate[0]!, ...gate.slice(11)].sort());
    expect(b.rows('hall')).toEqual(hall.slice().sort());
  });
});

const noDisk = smallDiskUnavailable();
if (noDisk) console.warn(`[skip] disk-pressure tests: ${noDisk}`);

describe.skipIf(noDisk !== null)('disk pressure on a real 32 MB ext4 file system', () => {
  let disk: SmallDisk;
  let b: Bed;
  beforeAll(() => { disk = mountSmallDisk(32); });
  afterAll(() => { disk?.cleanup(); });
  afterEach(() => {
    b?.close();
    for (const name of fs.readdirSync(disk.dir)) if (name !== 'lost+found') fs.rmSync(path.join(disk.dir, name), { recursive: true, force: true });
  });

  it('deletes the oldest unheld footage across cameras until the high-water mark; a two-camera hold survives', async () => {
    b = bed(disk.dir, t0 + dayMs);
    const seg = { store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, count: 20, segmentMs: 60_000, sizeBytes: 400_000 };
    // Interleaved in time: gate starts at t0, hall 30 s later.
    const gate = seedRun({ ...seg, cameraId: 'gate', startMs: t0 });
    const hall = seedRun({ ...seg, cameraId: 'hall', startMs: t0 + 30_000 });
    // The hold covers minutes 2..5 of both cameras: old footage that pressure would take first.
    const hold = b.store.holds.create({ cameraIds: ['gate', 'hall'], caseNumber: 'VV-3', reason: 'robbery', fromMs: t0 + 120_000, toMs: t0 + 300_000, untilMs: null, createdBy: 'test', nowMs: b.clock.nowMs() });
    fillDisk(disk.dir, 'foreign.bin', 1_000_000); // another program leaves 1 MB free
    const r = b.retention([cam('gate'), cam('hall')]);
    await r.tick();
    const snap = r.snapshot();
    const targetBytes = Math.ceil(0.25 * disk.totalBytes());
    expect(disk.availableBytes()).toBeGreaterThanOrEqual(targetBytes);
    expect(snap.deletedSegments.pressure).toBeGreaterThan(0);
    expect(b.paused).toEqual([]);
    // Held: gate minutes 2,3,4 and hall segments overlapping [2:00, 5:00) (1:30..4:30).
    const heldGate = gate.slice(2, 5);
    const heldHall = hall.slice(1, 5);
    for (const p of [...heldGate, ...heldHall]) expect(fs.existsSync(path.join(b.recordingsDir, p)), p).toBe(true);
    // Oldest first across cameras: whatever unheld footage is left is newer than all deleted.
    const keptGate = b.rows('gate');
    const keptHall = b.rows('hall');
    const deleted = [...gate, ...hall].filter((p) => !keptGate.includes(p) && !keptHall.includes(p));
    expect(deleted.length).toBe(snap.deletedSegments.pressure);
    const order = (p: string) => (gate.includes(p) ? t0 + gate.indexOf(p) * 60_000 : t0 + 30_000 + hall.indexOf(p) * 60_000);
    const newestDeleted = Math.max(...deleted.map(order));
    const unheldKept = [...keptGate, ...keptHall].filter((p) => !heldGate.includes(p) && !heldHall.includes(p));
    for (const p of unheldKept) expect(order(p)).toBeGreaterThan(newestDeleted);
    expect(filesUnder(b.recordingsDir)).toEqual([...keptGate, ...keptHall].sort());
    expect(b.store.holds.usageOf(hold.id)).toEqual({ segments: 7, bytes: 7 * 400_000 });
  });

  it('pauses recording when only held footage is left, and resumes once space is back', async () => {
    b = bed(disk.dir, t0 + dayMs);
    // 8 MB of footage, all held; the floor is 10 % (3.2 MB), the target 25 % (8 MB).
    const seg = { store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, count: 20, segmentMs: 60_000, sizeBytes: 400_000 };
    seedRun({ ...seg, cameraId: 'gate', startMs: t0 });
    const hold = b.store.holds.create({ cameraIds: ['gate'], caseNumber: 'VV-4', reason: 'all of it', fromMs: t0, toMs: t0 + dayMs, untilMs: null, createdBy: 'test', nowMs: b.clock.nowMs() });
    const filler = fillDisk(disk.dir, 'foreign.bin', 2_000_000);
    const r = b.retention([cam('gate')]);
    await r.tick();
    expect(b.rows('gate')).toHaveLength(20);
    expect(b.paused).toHaveLength(1);
    await r.tick(); // still paused: one pause, no repeated alarms
    expect(b.paused).toHaveLength(1);
    expect(b.resumed).toBe(0);
    expect(b.paused[0]).toContain('only held footage is left');
    const findings = storageFindings(r.snapshot());
    expect(findings.find((f) => f.severity === 'critical')?.reason).toMatch(/recording paused .* release a hold/);
    // Releasing the hold makes the footage deletable: the next pass purges and resumes.
    b.store.holds.release(hold.id, 'test', b.clock.nowMs());
    await r.tick();
    expect(b.resumed).toBe(1);
    expect(r.snapshot().paused).toBeNull();
    expect(b.rows('gate').length).toBeLessThan(20);
    expect(disk.availableBytes()).toBeGreaterThanOrEqual(0.25 * disk.totalBytes());
    fs.rmSync(filler);
  });

  it('logs, counts and shows a file that cannot be deleted, and retries it until it goes', async () => {
    b = bed(disk.dir, t0 + 40 * dayMs);
    const files = seedRun({ store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, cameraId: 'gate', startMs: t0, count: 3, segmentMs: 60_000, sizeBytes: 10_000 });
    const stuck = path.join(b.recordingsDir, files[0]!);
    execFileSync('chattr', ['+i', stuck]); // immutable: even root's unlink gets EPERM
    try {
      const r = b.retention([cam('gate')]);
      await r.tick();
      const snap = r.snapshot();
      expect(b.rows('gate')).toEqual([]); // rows left the index, in garbage until the file goes
      expect(snap.garbagePending).toBe(1);
      expect(snap.garbageFailing).toBe(1);
      expect(snap.deleteFailures).toBeGreaterThanOrEqual(1);
      expect(snap.lastDeleteError).toContain('EPERM');
      expect(storageFindings(snap).map((f) => f.reason).join()).toMatch(/1 segment files could not be deleted .*EPERM/);
      expect(b.store.garbage.has(files[0]!)).toBe(true);
      execFileSync('chattr', ['-i', stuck]);
      await r.tick();
      expect(fs.existsSync(stuck)).toBe(false);
      expect(r.snapshot().garbagePending).toBe(0);
      expect(storageFindings(r.snapshot())).toEqual([]);
    } finally {
      if (fs.existsSync(stuck)) execFileSync('chattr', ['-i', stuck]);
    }
  });
});
