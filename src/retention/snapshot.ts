/**
 * The storage figures health and the api show, rebuilt after every retention pass so a
 * health request costs nothing: free space, floor and target, bandwidth, bytes and days
 * per camera, bytes under hold, projected hours left, deletions and their failures.
 */
import type { Store } from '../store/db.js';
import type { DiskSpace } from './disk.js';
import { project, retainedDays, totalBytesPerSecond, type CameraFigures, type RetentionCamera } from './policy.js';

export interface Counters {
  /** Segments deleted since start, by rule. */
  deleted: { age: number; quota: number; pressure: number };
  deletedBytes: number;
  passErrors: number;
  lastPassError: string | null;
}

export interface StorageSnapshot {
  readonly atMs: number;
  readonly totalBytes: number | null;
  readonly availableBytes: number | null;
  readonly floorBytes: number | null;
  readonly targetBytes: number | null;
  readonly bytesPerSecond: number;
  readonly footageBytes: number;
  readonly heldBytes: number;
  readonly recordableHours: number | null;
  readonly hoursUntilFloor: number | null;
  readonly warnHoursLeft: number;
  readonly paused: { readonly sinceMs: number; readonly reason: string } | null;
  readonly deletedSegments: { readonly age: number; readonly quota: number; readonly pressure: number };
  readonly deletedBytes: number;
  /** Failed unlinks since start; the files stay in garbage and are retried. */
  readonly deleteFailures: number;
  readonly lastDeleteError: string | null;
  readonly garbagePending: number;
  readonly garbageFailing: number;
  /** Retention passes that failed (disk unreadable, index full) since start. */
  readonly passErrors: number;
  readonly diskError: string | null;
  readonly cameras: readonly CameraFigures[];
}

export interface SnapshotInput {
  nowMs: number;
  store: Store;
  settings: { maxAgeDays: number; minFreeMinutes: number; warnHoursLeft: number };
  cameras: readonly RetentionCamera[];
  disk: { space: DiskSpace; floorBytes: number; targetBytes: number; bytesPerSecond: number } | null;
  diskError: string | null;
  paused: { ms: number; reason: string } | null;
  counters: Counters;
  deleteFailures: number;
  lastDeleteError: string | null;
}

export function emptySnapshot(nowMs: number, warnHoursLeft: number): StorageSnapshot {
  return {
    atMs: nowMs, totalBytes: null, availableBytes: null, floorBytes: null, targetBytes: null, bytesPerSecond: 0,
    footageBytes: 0, heldBytes: 0, recordableHours: null, hoursUntilFloor: null, warnHoursLeft, paused: null,
    deletedSegments: { age: 0, quota: 0, pressure: 0 }, deletedBytes: 0, deleteFailures: 0, lastDeleteError: null,
    garbagePending: 0, garbageFailing: 0, passErrors: 0, diskError: null, cameras: [],
  };
}

export function buildSnapshot(input: SnapshotInput): StorageSnapshot {
  const cameras = cameraFigures(input);
  const footageBytes = cameras.reduce((n, c) => n + c.bytes, 0);
  const heldBytes = cameras.reduce((n, c) => n + c.heldBytes, 0);
  const garbage = input.store.garbage.stats();
  const { disk } = input;
  const projection = disk
    ? project(disk.space, disk.floorBytes, footageBytes - heldBytes, disk.bytesPerSecond)
    : { recordableHours: null, hoursUntilFloor: null };
  return {
    atMs: input.nowMs,
    totalBytes: disk?.space.totalBytes ?? null,
    availableBytes: disk?.space.availableBytes ?? null,
    floorBytes: disk?.floorBytes ?? null,
    targetBytes: disk?.targetBytes ?? null,
    bytesPerSecond: Math.round(disk?.bytesPerSecond ?? 0),
    footageBytes,
    heldBytes,
    ...projection,
    warnHoursLeft: input.settings.warnHoursLeft,
    paused: input.paused && { sinceMs: input.paused.ms, reason: input.paused.reason },
    deletedSegments: { ...input.counters.deleted },
    deletedBytes: input.counters.deletedBytes,
    deleteFailures: input.deleteFailures,
    lastDeleteError: input.lastDeleteError,
    garbagePending: garbage.rows,
    garbageFailing: garbage.failing,
    passErrors: input.counters.passErrors,
    diskError: input.diskError,
    cameras,
  };
}

function cameraFigures(input: SnapshotInput): CameraFigures[] {
  const configured = new Map(input.cameras.map((c) => [c.id, c]));
  const held = new Map(input.store.holds.heldUsage(input.nowMs).map((h) => [h.cameraId, h.bytes]));
  const windowMs = Math.max(input.settings.minFreeMinutes, 5) * 60_000;
  return input.store.usage.perCamera().map((u) => {
    const camera = configured.get(u.cameraId);
    const rate = camera?.enabled ? totalBytesPerSecond([input.store.usage.recentRate(u.cameraId, windowMs)]) : 0;
    return {
      cameraId: u.cameraId,
      segments: u.segments,
      bytes: u.bytes,
      heldBytes: held.get(u.cameraId) ?? 0,
      oldestMs: u.oldestMs,
      newestMs: u.newestMs,
      retainedDays: retainedDays(u.oldestMs, u.newestMs),
      maxAgeDays: camera?.retentionDays ?? input.settings.maxAgeDays,
      maxBytes: camera?.maxBytes ?? null,
      bytesPerSecond: Math.round(rate),
    };
  });
}
