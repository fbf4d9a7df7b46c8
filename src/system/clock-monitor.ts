/**
 * Checks the clock-sync state periodically and keeps a written record of it: one
 * observation at every start, at every change of status, and at least hourly, so an
 * export can state the sync state in force for any moment of its footage.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { unknownClockSync, type ClockSyncState } from './clock-sync.js';

export interface ClockObservation extends ClockSyncState {
  readonly observedMs: number;
}

export interface ClockMonitorDeps {
  clock: Clock;
  log: Logger;
  /** The sources, behind a port (readClockSync with a command runner in production). */
  read: () => Promise<ClockSyncState>;
  /** Where observations are written (the index); errors are logged, never thrown. */
  record: (o: ClockObservation) => void;
  /** Between checks while the clock is unsynchronised (60 s): its recovery shows soon. */
  periodMs?: number;
  /**
   * Between checks otherwise (5 min): synchronised, or no time service to ask (unknown).
   * A check spawns chronyc or timedatectl, a few ms of CPU each, and a synchronised clock
   * loses sync over hours, not seconds.
   */
  steadyPeriodMs?: number;
  /** An unchanged state is written again after this long, so the record has no holes. */
  rewriteAfterMs?: number;
}

export class ClockMonitor {
  private current: ClockObservation | null = null;
  private lastWrittenMono: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ClockObservation> | null = null;
  private forceWrite = false;
  private closed = false;

  constructor(private readonly deps: ClockMonitorDeps) {}

  /** The latest state (unknown until the first check has finished). */
  state(): ClockSyncState & { observedMs: number | null } {
    return this.current ?? { ...unknownClockSync, observedMs: null };
  }

  start(): void {
    this.closed = false;
    this.schedule();
  }

  /** Stops the timer and waits for a check in flight, so nothing is written after the index closes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    const steady = this.current !== null && this.current.status !== 'unsynchronized';
    const periodMs = steady ? (this.deps.steadyPeriodMs ?? 300_000) : (this.deps.periodMs ?? 60_000);
    this.timer = setTimeout(() => void this.check().finally(() => { if (!this.closed) this.schedule(); }), periodMs);
    this.timer.unref();
  }

  /**
   * One check; concurrent callers share it. `force` writes the observation even when
   * nothing changed (the daemon starts, or releases its recorders).
   */
  async check(opts: { force?: boolean } = {}): Promise<ClockObservation> {
    if (opts.force) this.forceWrite = true;
    this.running ??= this.checkOnce().finally(() => { this.running = null; });
    return this.running;
  }

  private async checkOnce(): Promise<ClockObservation> {
    let state: ClockSyncState;
    try {
      state = await this.deps.read();
    } catch (err) {
      state = { ...unknownClockSync, detail: `check failed: ${(err as Error).message}` };
    }
    const observation: ClockObservation = { ...state, observedMs: this.deps.clock.nowMs() };
    const previous = this.current;
    this.current = observation;
    const mono = this.deps.clock.monotonicMs();
    const stale = this.lastWrittenMono === null || mono - this.lastWrittenMono >= (this.deps.rewriteAfterMs ?? 3_600_000);
    if (previous === null || previous.status !== observation.status || stale || this.forceWrite) {
      this.forceWrite = false;
      if (previous?.status !== observation.status) this.logChange(previous, observation);
      this.write(observation, mono);
    }
    return observation;
  }

  private write(o: ClockObservation, mono: number): void {
    try {
      this.deps.record(o);
      this.lastWrittenMono = mono;
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'clock observation not recorded');
    }
  }

  private logChange(previous: ClockObservation | null, next: ClockObservation): void {
    const fields = { status: next.status, was: previous?.status ?? null, offsetUs: next.offsetUs, source: next.source, detail: next.detail };
    if (next.status === 'unsynchronized') this.deps.log.warn(fields, 'clock is not synchronised');
    else this.deps.log.info(fields, 'clock sync state');
  }
}
