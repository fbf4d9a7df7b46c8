/**
 * The retention policy as pure arithmetic: the free-space floor, the refill target, age
 * cut-offs, and the figures health shows (bytes and days per camera, projected hours of
 * recording left). No I/O here, so every rule is testable with plain numbers.
 */
import { dayMs } from '../core/time.js';
import type { DiskSpace } from './disk.js';

export interface PressureSettings {
  readonly minFreeFraction: number;
  readonly minFreeMinutes: number;
  readonly highWater: number;
}

export interface RetentionCamera {
  readonly id: string;
  readonly enabled: boolean;
  readonly retentionDays?: number;
  readonly maxBytes?: number;
}

/**
 * The bandwidth part of the floor never asks for more than this share of the disk. The
 * minutes of headroom are there so a burst between two passes cannot fill the disk; on a
 * disk small for its cameras (64 cameras at 4 Mbit/s record 115 GB an hour) an uncapped
 * floor above the free space would delete every unheld segment and pause recording.
 */
export const maxBandwidthFloorFraction = 0.25;

/** Free space must not fall below the larger of a fraction of the disk and N minutes of recording (capped). */
export function freeFloorBytes(totalBytes: number, bytesPerSecond: number, s: PressureSettings): number {
  const bandwidthFloor = Math.min(s.minFreeMinutes * 60 * bytesPerSecond, maxBandwidthFloorFraction * totalBytes);
  return Math.ceil(Math.max(s.minFreeFraction * totalBytes, bandwidthFloor));
}

/**
 * How much must be free after a purge: the high-water mark, and never less than the floor
 * plus the configured gap between the two fractions, so a bandwidth-driven floor above the
 * high-water mark still gets hysteresis (no purge on every segment).
 */
export function refillTargetBytes(totalBytes: number, floorBytes: number, s: PressureSettings): number {
  const gap = Math.max(0, s.highWater - s.minFreeFraction) * totalBytes;
  return Math.ceil(Math.max(s.highWater * totalBytes, floorBytes + gap));
}

/** Footage ending at or before this instant is past the camera's age limit. */
export function ageCutoffMs(nowMs: number, camera: RetentionCamera | undefined, defaultDays: number): number {
  return nowMs - (camera?.retentionDays ?? defaultDays) * dayMs;
}

/** Sum of the cameras' recording rates (bytes over the box time their recent segments cover). */
export function totalBytesPerSecond(rates: readonly { bytes: number; durationMs: number }[]): number {
  return rates.reduce((sum, r) => sum + (r.durationMs > 0 ? (r.bytes * 1000) / r.durationMs : 0), 0);
}

export interface CameraFigures {
  readonly cameraId: string;
  readonly segments: number;
  readonly bytes: number;
  readonly heldBytes: number;
  readonly oldestMs: number | null;
  readonly newestMs: number | null;
  /** Days between the oldest and the newest footage kept. */
  readonly retainedDays: number;
  readonly maxAgeDays: number;
  readonly maxBytes: number | null;
  readonly bytesPerSecond: number;
}

export interface Projection {
  /** Hours of recording the disk can hold beside held footage and the floor; null when nothing records. */
  readonly recordableHours: number | null;
  /** Hours until free space reaches the floor and deletion starts; null when nothing records. */
  readonly hoursUntilFloor: number | null;
}

/**
 * At the current bandwidth: footage that may be deleted is space recording can reuse, held
 * footage is not. recordableHours is the rolling window the box keeps; when it drops
 * under warnHoursLeft the holds are eating the disk.
 */
export function project(space: DiskSpace, floorBytes: number, unheldBytes: number, bytesPerSecond: number): Projection {
  if (bytesPerSecond <= 0) return { recordableHours: null, hoursUntilFloor: null };
  const perHour = bytesPerSecond * 3600;
  const recordable = Math.max(0, space.availableBytes + unheldBytes - floorBytes);
  const untilFloor = Math.max(0, space.availableBytes - floorBytes);
  return { recordableHours: round2(recordable / perHour), hoursUntilFloor: round2(untilFloor / perHour) };
}

export function retainedDays(oldestMs: number | null, newestMs: number | null): number {
  return oldestMs === null || newestMs === null ? 0 : round2((newestMs - oldestMs) / dayMs);
}

/** Sizes in messages: MB below a gigabyte, GB above (decimal, as disks are sold). */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
