/**
 * The daemon's Prometheus metrics (prom-client), one Registry per daemon (no global
 * state, so tests build as many as they like). Exposed at GET /metrics. Names follow
 * Prometheus conventions: base units (seconds, bytes), `_total` for counters, one-hot
 * gauges for enumerations (`nvr_camera_state{state="recording"} 1`).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { RecorderStatus, SegmentClosedEvent } from '../core/types.js';
import type { HealthReport } from '../health/health.js';
import type { RecorderCounters } from '../recorder/camera-recorder.js';
import type { ClockSyncState } from '../system/clock-sync.js';
import { CameraMetrics } from './cameras.js';
import { registerProcessMetrics } from './process.js';
import type { DiskFigures, MetricsPort, Outcome } from './port.js';

export interface MetricsDeps {
  clock: Clock;
  version: string;
  statuses: () => readonly RecorderStatus[];
  counters: () => readonly RecorderCounters[];
  health: () => HealthReport;
  clockSync: () => ClockSyncState;
  /** False while the box's clock is before this build (recording held). */
  clockPlausible: () => boolean;
  indexErrors: () => number;
  /** Whether the last watchdog check found the recorders supervised. */
  recordersLive: () => boolean;
  /** Node process metrics (cpu, memory, event-loop lag); on by default. */
  processMetrics?: boolean;
}

/** Wide buckets: a still takes tens of ms, an export minutes. Seconds. */
const jobBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class NvrMetrics implements MetricsPort {
  readonly registry = new Registry();
  private readonly cameras: CameraMetrics;
  private disk: () => DiskFigures | null = () => null;
  private readonly jobs: Counter<'kind' | 'outcome'>;
  private readonly jobSeconds: Histogram<'kind'>;
  private readonly jobBytes: Counter<'kind'>;
  private readonly retentionSegments: Counter<'camera'>;
  private readonly retentionBytes: Counter<'camera'>;
  private readonly retentionFailures: Counter;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpSeconds: Histogram<'method' | 'route'>;

  constructor(deps: MetricsDeps) {
    const registers = [this.registry];
    // Read at the scrape only: no timer of its own (see process.ts).
    if (deps.processMetrics !== false) registerProcessMetrics(this.registry);
    this.cameras = new CameraMetrics(this.registry, deps);
    registerSystemGauges(this.registry, deps, () => this.disk());
    this.jobs = new Counter({ name: 'nvr_media_jobs_total', help: 'Clips, stills and exports produced, by outcome', labelNames: ['kind', 'outcome'], registers });
    this.jobSeconds = new Histogram({ name: 'nvr_media_job_duration_seconds', help: 'Time to produce a clip, still or export', labelNames: ['kind'], buckets: jobBuckets, registers });
    this.jobBytes = new Counter({ name: 'nvr_media_job_bytes_total', help: 'Bytes of clips, stills and exports produced', labelNames: ['kind'], registers });
    this.retentionSegments = new Counter({ name: 'nvr_retention_deleted_segments_total', help: 'Segments deleted by retention', labelNames: ['camera'], registers });
    this.retentionBytes = new Counter({ name: 'nvr_retention_deleted_bytes_total', help: 'Bytes deleted by retention', labelNames: ['camera'], registers });
    this.retentionFailures = new Counter({ name: 'nvr_retention_failures_total', help: 'Failed retention deletions or passes', registers });
    this.httpRequests = new Counter({ name: 'nvr_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpSeconds = new Histogram({ name: 'nvr_http_request_duration_seconds', help: 'HTTP response time by route pattern', labelNames: ['method', 'route'], buckets: httpBuckets, registers });
  }

  observeClip(ms: number, bytes: number, outcome: Outcome = 'ok'): void { this.observeJob('clip', ms, bytes, outcome); }
  observeStill(ms: number, bytes: number, outcome: Outcome = 'ok'): void { this.observeJob('still', ms, bytes, outcome); }
  observeExport(ms: number, bytes: number, outcome: Outcome = 'ok'): void { this.observeJob('export', ms, bytes, outcome); }

  retentionDeleted(cameraId: string, segments: number, bytes: number): void {
    this.retentionSegments.inc({ camera: cameraId }, Math.max(0, segments));
    this.retentionBytes.inc({ camera: cameraId }, Math.max(0, bytes));
  }

  retentionFailed(_cameraId: string | null, count = 1): void {
    this.retentionFailures.inc(Math.max(0, count));
  }

  setDiskSource(source: () => DiskFigures | null): void {
    this.disk = source;
  }

  /** From the index sink: a segment closed. */
  segmentClosed(e: SegmentClosedEvent): void {
    this.cameras.segmentClosed(e);
  }

  /** From the system loop: measured fps. */
  sample(): void {
    this.cameras.sample();
  }

  /** `route` is the pattern (`/api/v1/cameras/:id`), never the raw URL: bounded label values. */
  observeHttp(method: string, route: string, status: number, ms: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpSeconds.observe({ method, route }, Math.max(0, ms) / 1000);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private observeJob(kind: string, ms: number, bytes: number, outcome: Outcome): void {
    this.jobs.inc({ kind, outcome });
    this.jobSeconds.observe({ kind }, Math.max(0, ms) / 1000);
    if (bytes > 0) this.jobBytes.inc({ kind }, bytes);
  }
}

function registerSystemGauges(registry: Registry, deps: MetricsDeps, disk: () => DiskFigures | null): void {
  const registers = [registry];
  const oneHot = (name: string, help: string, label: string, values: readonly string[], current: () => string) => new Gauge({
    name, help, labelNames: [label], registers,
    collect() { const now = current(); for (const v of values) this.set({ [label]: v }, v === now ? 1 : 0); },
  });
  const single = (name: string, help: string, value: () => number | null) => new Gauge({
    name, help, registers,
    // remove(), not reset(): an unknown figure is absent from the scrape, never a made-up 0.
    collect() { const v = value(); if (v === null) this.remove(); else this.set(v); },
  });
  new Gauge({ name: 'nvr_build_info', help: 'The running version', labelNames: ['version'], registers }).set({ version: deps.version }, 1);
  oneHot('nvr_health_status', 'Overall health (1 for the current status)', 'status', ['ok', 'degraded', 'critical'], () => deps.health().status);
  oneHot('nvr_clock_sync_state', 'Clock synchronisation (1 for the current state)', 'state', ['synchronized', 'unsynchronized', 'unknown'], () => deps.clockSync().status);
  single('nvr_clock_offset_seconds', 'Box clock minus its time reference (absent when unknown)', () => { const us = deps.clockSync().offsetUs; return us === null ? null : us / 1e6; });
  single('nvr_clock_plausible', '0 while the box clock is before this build (recording held)', () => (deps.clockPlausible() ? 1 : 0));
  single('nvr_recorders_live', '1 while every enabled recorder is supervised (what feeds the systemd watchdog)', () => (deps.recordersLive() ? 1 : 0));
  new Counter({ name: 'nvr_index_errors_total', help: 'Index writes that failed since the daemon started', registers, collect() { this.reset(); this.inc(deps.indexErrors()); } });
  single('nvr_disk_free_bytes', 'Free bytes on the data disk', () => disk()?.freeBytes ?? null);
  single('nvr_disk_total_bytes', 'Size of the data disk', () => disk()?.totalBytes ?? null);
  single('nvr_disk_projected_days', 'Days until the data disk is full at the recent rate (absent until retention estimates it)', () => disk()?.projectedDays ?? null);
}
