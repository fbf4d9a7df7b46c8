/**
 * The clock port. Wall time (UTC epoch ms) anchors recordings; monotonic time measures
 * intervals and detects steps of the wall clock. Tests inject a manual clock instead of
 * patching globals.
 */
export interface Clock {
  /** Wall-clock time, integer epoch milliseconds UTC. */
  nowMs(): number;
  /** Monotonic milliseconds since an arbitrary origin; never jumps with NTP. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => Math.floor(performance.now()),
};

/** A clock for unit tests: time moves only when the test says so. */
export class ManualClock implements Clock {
  constructor(
    private wallMs = 1_700_000_000_000,
    private monoMs = 0,
  ) {}
  nowMs(): number { return this.wallMs; }
  monotonicMs(): number { return this.monoMs; }
  /** Advance both clocks together, as real time passing does. */
  advance(ms: number): void { this.wallMs += ms; this.monoMs += ms; }
  /** Step only the wall clock, as an NTP correction or an admin's `date -s` does. */
  stepWall(ms: number): void { this.wallMs += ms; }
}
