/**
 * What makes the daemon an appliance, in one object the daemon wires in a few lines:
 * systemd notifications (READY once recorders start, WATCHDOG only while they are
 * supervised, STOPPING), the clock guard (no recording while the clock is before the
 * build), clock-sync observations, index-error counting, health and metrics.
 *
 * The system loop (tick, every few seconds) is the daemon's own health loop: it releases
 * held recorders once the clock is plausible, judges liveness, feeds the watchdog,
 * samples fps and keeps systemd's STATUS line current.
 */
import { statfsSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import type { RecorderStatus } from '../core/types.js';
import { evaluateHealth, type HealthCheck, type HealthFinding, type HealthReport } from '../health/health.js';
import type { Indexer } from '../indexer/indexer.js';
import { NvrMetrics } from '../metrics/registry.js';
import type { RecorderCounters, RecorderSink } from '../recorder/camera-recorder.js';
import type { Store } from '../store/db.js';
import { ClockGuard, clockFloorMs } from './clock-guard.js';
import { ClockMonitor } from './clock-monitor.js';
import { readClockSync, type ClockSyncState } from './clock-sync.js';
import { spawnCommandRunner } from './command.js';
import { IndexErrors, indexSink } from './index-sink.js';
import { RecorderLiveness, type LivenessVerdict } from './liveness.js';
import { notifierFromEnv, type Notifier } from './notify.js';

/** The recorders as the appliance sees them (the RecorderPool). */
export interface Recorders {
  start(): void;
  statuses(): RecorderStatus[];
  counters(): RecorderCounters[];
}

export interface ApplianceDeps {
  clock: Clock;
  log: Logger;
  spawner: Spawner;
  store: Store;
  dataDir: string;
  version: string;
  /** Quiet time after which a recorder's supervision counts as wedged (see liveness.ts). */
  stuckAfterMs: number;
  /** A camera not recording for longer than this is a health reason. */
  cameraDownGraceMs: number;
  /** NOTIFY_SOCKET / WATCHDOG_USEC come from here; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The clock-sync sources (a port, so tests feed captured states). */
  readClockSync?: () => Promise<ClockSyncState>;
  /** Earliest plausible wall time; the build date by default. */
  floorMs?: number;
  /** Period of the system loop; default half the watchdog interval, at most 10 s. */
  periodMs?: number;
  processMetrics?: boolean;
}

/**
 * The system loop's longest period. It feeds the watchdog (nvr.service: WatchdogSec=30,
 * fed every 10 s), refreshes systemd's STATUS line and the fps gauges; nothing in it needs
 * seconds. Each pass runs the health checks (a few index reads), so on an idle box it is
 * a visible share of the daemon's own CPU (docs/performance.md, session 4).
 */
const systemLoopMaxMs = 10_000;

export class Appliance {
  readonly notifier: Notifier;
  readonly metrics: NvrMetrics;
  readonly guard: ClockGuard;
  readonly clockMonitor: ClockMonitor;
  readonly indexErrors = new IndexErrors();
  /**
   * Every health concern besides cameras. The extension point for retention and disk:
   * `appliance.healthChecks.push((nowMs) => …)` in daemon.ts.
   */
  readonly healthChecks: HealthCheck[];
  private readonly liveness: RecorderLiveness;
  private recorders: Recorders | null = null;
  private holding = false;
  private live = true;
  private statusLine = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ApplianceDeps) {
    const { clock, log } = deps;
    this.notifier = notifierFromEnv({ spawner: deps.spawner, log, ...(deps.env ? { env: deps.env } : {}) });
    this.guard = new ClockGuard(clock, deps.floorMs ?? clockFloorMs());
    this.liveness = new RecorderLiveness(deps.stuckAfterMs);
    this.clockMonitor = new ClockMonitor({
      clock, log,
      read: deps.readClockSync ?? (() => readClockSync(spawnCommandRunner(deps.spawner))),
      record: (o) => deps.store.clock.insert({ ...o, recordingHeld: this.holding }),
    });
    this.healthChecks = [
      () => this.guard.finding(this.holding),
      () => this.syncFinding(),
      (nowMs) => this.indexErrors.finding(nowMs),
    ];
    this.metrics = new NvrMetrics({
      clock, version: deps.version,
      statuses: () => this.recorders?.statuses() ?? [],
      counters: () => this.recorders?.counters() ?? [],
      health: () => this.health(),
      clockSync: () => this.clockMonitor.state(),
      clockPlausible: () => this.guard.plausible(),
      indexErrors: () => this.indexErrors.total,
      recordersLive: () => this.live,
      ...(deps.processMetrics === undefined ? {} : { processMetrics: deps.processMetrics }),
    });
    this.metrics.setDiskSource(() => diskOf(deps.dataDir));
  }

  /** The recorder's sink: the indexer, with failures counted and segments measured. */
  sink(indexer: Indexer): RecorderSink {
    return indexSink({ indexer, errors: this.indexErrors, nowMs: () => this.deps.clock.nowMs(), log: this.deps.log.child({ module: 'indexer' }), onSegment: (e) => this.metrics.segmentClosed(e) });
  }

  health(): HealthReport {
    return evaluateHealth({ clock: this.deps.clock, statuses: () => this.recorders?.statuses() ?? [], cameraDownGraceMs: this.deps.cameraDownGraceMs, checks: this.healthChecks });
  }

  /**
   * Starts the recorders, or holds them with a critical alarm while the clock is before
   * the build. The sync state is checked and written down alongside, without delaying
   * recording (timedatectl can take seconds when D-Bus is slow).
   */
  async startRecorders(recorders: Recorders): Promise<void> {
    this.recorders = recorders;
    this.holding = !this.guard.plausible();
    void this.clockMonitor.check({ force: true });
    if (this.holding) {
      this.deps.log.error({ reason: this.guard.finding(true)?.reason }, 'recording held: the clock is before this build');
      return;
    }
    recorders.start();
  }

  /** HTTP is up: tell systemd, and start the system loop and the periodic clock check. */
  async ready(): Promise<void> {
    const periodMs = this.deps.periodMs ?? Math.min(this.notifier.watchdogPeriodMs ?? systemLoopMaxMs, systemLoopMaxMs);
    this.timer = setInterval(() => this.tick(), periodMs);
    this.timer.unref();
    this.clockMonitor.start();
    this.statusLine = this.describe();
    await this.notifier.notify({ READY: '1', STATUS: this.statusLine });
    if (this.notifier.watchdogPeriodMs !== null) this.tick();
  }

  /** One pass of the system loop. Public so tests drive it without timers. */
  tick(): LivenessVerdict | null {
    if (this.holding && this.guard.plausible()) this.release();
    if (!this.recorders) return null;
    const verdict = this.liveness.observe(this.deps.clock.monotonicMs(), this.recorders.statuses(), this.recorders.counters());
    if (verdict.alive !== this.live) {
      if (verdict.alive) this.deps.log.info('recorders supervised again: feeding the watchdog');
      else this.deps.log.error({ stuck: verdict.stuck }, 'recorder supervision shows no progress: not feeding the watchdog');
    }
    this.live = verdict.alive;
    if (verdict.alive && this.notifier.watchdogPeriodMs !== null) void this.notifier.notify({ WATCHDOG: '1' });
    this.metrics.sample();
    const line = this.describe();
    if (line !== this.statusLine) void this.notifier.notify({ STATUS: (this.statusLine = line) });
    return verdict;
  }

  /** Shutdown begins: STOPPING=1 first, so systemd shows "deactivating" while segments close. */
  async stopping(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.notifier.notify({ STOPPING: '1', STATUS: 'stopping: closing segments and the index' });
    await this.clockMonitor.close();
  }

  /** Unknown is not a finding: a container has no time service to ask, the host keeps time. */
  private syncFinding(): HealthFinding | null {
    const { status, detail, source } = this.clockMonitor.state();
    return status === 'unsynchronized' ? { severity: 'degraded', reason: `clock not synchronised (${detail ?? source})` } : null;
  }

  private release(): void {
    this.holding = false;
    this.deps.log.warn({ nowMs: this.deps.clock.nowMs(), floorMs: this.guard.floorMs }, 'clock is past the build date now: starting the recorders');
    void this.clockMonitor.check({ force: true });
    this.recorders?.start();
  }

  private describe(): string {
    if (this.holding) return 'recording held: the clock is before this build';
    const statuses = this.recorders?.statuses().filter((s) => s.state !== 'disabled') ?? [];
    const recording = statuses.filter((s) => s.state === 'recording').length;
    return `recording ${recording}/${statuses.length} cameras; clock ${this.clockMonitor.state().status}; health ${this.health().status}`;
  }
}

/** Free and total bytes of the data dir's filesystem (statfs: one syscall, cheap per scrape). */
function diskOf(dataDir: string): { freeBytes: number; totalBytes: number; projectedDays: null } | null {
  try {
    const s = statfsSync(dataDir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize, projectedDays: null };
  } catch {
    return null;
  }
}
