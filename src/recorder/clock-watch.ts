/**
 * Detects steps of the box's wall clock (NTP syncing late on a box without an RTC
 * battery, an admin's `date -s`): the offset between wall and monotonic time should stay
 * put; when it moves by more than the tolerance, every run is ended and re-anchored.
 */
import type { Clock } from '../core/clock.js';

export interface ClockStep {
  oldOffsetMs: number;
  newOffsetMs: number;
  stepMs: number;
}

export class ClockWatch {
  private offsetMs: number;

  constructor(private readonly clock: Clock, private readonly toleranceMs: number) {
    this.offsetMs = clock.nowMs() - clock.monotonicMs();
  }

  /** Call periodically; returns the step when the wall clock jumped since the last call. */
  check(): ClockStep | null {
    const current = this.clock.nowMs() - this.clock.monotonicMs();
    const stepMs = current - this.offsetMs;
    if (Math.abs(stepMs) <= this.toleranceMs) {
      return null;
    }
    const step = { oldOffsetMs: this.offsetMs, newOffsetMs: current, stepMs };
    this.offsetMs = current;
    return step;
  }
}
