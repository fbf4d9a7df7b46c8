/**
 * A clock earlier than this software's build cannot be right: a box without an RTC
 * battery boots in 1970 or at its last saved time, and footage stamped then is worthless
 * as evidence and overlaps real footage. The daemon holds its recorders (records
 * nothing) and raises a critical alarm until the clock is past the floor, then starts
 * them. The floor is the build date (dist/build-info.json, written by
 * scripts/build-info.mjs after tsc) less a day of slack for the build machine's clock,
 * and never earlier than the date this code was written.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { dayMs, toIso } from '../core/time.js';
import type { HealthFinding } from '../health/health.js';

/** This code was written on this day; any build is later. */
const sourceFloorMs = Date.UTC(2026, 10, 28);

export interface BuildInfo {
  version: string;
  builtAtMs: number;
}

/** dist/build-info.json when the build wrote one, else null. */
export function readBuildInfo(file = new URL('../build-info.json', import.meta.url)): BuildInfo | null {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildInfo>;
    return typeof info.builtAtMs === 'number' && Number.isSafeInteger(info.builtAtMs) ? { version: String(info.version), builtAtMs: info.builtAtMs } : null;
  } catch {
    return null;
  }
}

/** The earliest plausible wall time for this build. */
export function clockFloorMs(build: BuildInfo | null = readBuildInfo()): number {
  return Math.max(sourceFloorMs, (build?.builtAtMs ?? 0) - dayMs);
}

export class ClockGuard {
  constructor(private readonly clock: Clock, readonly floorMs: number) {}

  plausible(): boolean {
    return this.clock.nowMs() >= this.floorMs;
  }

  /**
   * Critical while the clock is before the floor. `holding` says whether recorders are
   * held back (at start) or already running (the clock was stepped back since).
   */
  finding(holding: boolean): HealthFinding | null {
    const nowMs = this.clock.nowMs();
    if (nowMs >= this.floorMs) return null;
    const what = `box clock ${toIso(nowMs)} is before this build (${toIso(this.floorMs)})`;
    return {
      severity: 'critical',
      reason: holding ? `${what}: recording is held until the clock is set (check NTP)` : `${what}: recorded times are wrong (check NTP)`,
    };
  }
}
