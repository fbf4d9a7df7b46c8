/**
 * Prometheus metrics: the registry on its own (clock-controlled sources, so fps and ages
 * are exact), then GET /metrics through the real daemon's HTTP stack (real index, real
 * auth: a viewer login is needed, anonymous callers get 401).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { RecorderStatus, SegmentClosedEvent } from '../src/core/types.js';
import { loadConfig } from '../src/config/load.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { NvrMetrics } from '../src/metrics/registry.js';
import { writeTestConfig } from './helpers/daemon.js';

/**
 * Every sample line of the text format: name{labels} value. Values are read by Go's
 * ParseFloat, where NaN is case-insensitive: prom-client writes "Nan" for the event-loop
 * lag before its first sample (sampled once a second, see src/metrics/registry.ts).
 */
function expectValidExposition(text: string): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    expect(line, 'a sample line').toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|\+Inf|-Inf)$/);
  }
}

function status(cameraId: string, state: RecorderStatus['state'], extra: Partial<RecorderStatus> = {}): RecorderStatus {
  return { cameraId, state, sinceMs: 0, lastSegmentEndMs: null, lastSegmentClosedAtMs: null, restarts: 0, lastError: null, stream: null, pid: null, ...extra };
}

describe('the metrics registry', () => {
  it('exposes per-camera state, restarts, segments, bytes, age, measured fps and bitrate, and the system figures', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 10, 8), 0);
    const counters = { gate: 0, yard: 0 };
    const statuses = [status('gate', 'recording', { restarts: 2, lastSegmentClosedAtMs: clock.nowMs() - 1500 }), status('yard', 'connecting', { restarts: 7 })];
    const m = new NvrMetrics({
      clock, version: '9.9.9', processMetrics: false,
      statuses: () => statuses,
      counters: () => [{ cameraId: 'gate', framesTotal: counters.gate, progressTotal: 1 }, { cameraId: 'yard', framesTotal: counters.yard, progressTotal: 0 }],
      health: () => ({ status: 'degraded', reasons: ['camera yard connecting'] }),
      clockSync: () => ({ status: 'synchronized', offsetUs: -2500, source: 'chronyc', detail: null }),
      clockPlausible: () => true,
      indexErrors: () => 3,
      recordersLive: () => true,
    });
    const seg = (sizeBytes: number, mediaDurationMs: number): SegmentClosedEvent => ({
      cameraId: 'gate', runKey: 'r', seq: 1, relPath: 'x', startMs: 0, endMs: mediaDurationMs, mediaDurationMs, observedCloseMs: 0, sizeBytes,
      stream: { videoCodec: 'h264', width: 1, height: 1, fps: 25, audioCodec: null },
    });
    m.segmentClosed(seg(1_000_000, 4000));
    m.segmentClosed(seg(500_000, 2000)); // 2 Mbit/s
    m.sample();
    counters.gate = 24 * 6; // 6 s at 24 fps (a camera declaring 25)
    clock.advance(6000);
    m.sample();
    m.observeClip(1200, 5_000_000);
    m.observeStill(40, 80_000);
    m.observeExport(95_000, 0, 'error');
    m.retentionDeleted('gate', 12, 36_000_000);
    m.retentionFailed('gate');
    m.setDiskSource(() => ({ freeBytes: 1e12, totalBytes: 4e12, projectedDays: 41.5 }));
    m.observeHttp('GET', '/api/v1/cameras/:id', 200, 12);

    const { contentType, body } = await m.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expectValidExposition(body);
    const expected = [
      'nvr_camera_up{camera="gate"} 1', 'nvr_camera_up{camera="yard"} 0',
      'nvr_camera_state{camera="yard",state="connecting"} 1', 'nvr_camera_state{camera="yard",state="recording"} 0',
      'nvr_camera_restarts_total{camera="yard"} 7',
      'nvr_camera_segments_total{camera="gate"} 2', 'nvr_camera_segments_total{camera="yard"} 0',
      'nvr_camera_written_bytes_total{camera="gate"} 1500000',
      'nvr_camera_last_segment_age_seconds{camera="gate"} 7.5',
      'nvr_camera_fps{camera="gate"} 24', 'nvr_camera_fps{camera="yard"} 0',
      'nvr_camera_bitrate_bits_per_second{camera="gate"} 2000000',
      'nvr_camera_frames_total{camera="gate"} 144',
      'nvr_media_jobs_total{kind="clip",outcome="ok"} 1', 'nvr_media_jobs_total{kind="export",outcome="error"} 1',
      'nvr_media_job_duration_seconds_bucket{le="2.5",kind="clip"} 1', 'nvr_media_job_duration_seconds_bucket{le="0.05",kind="still"} 1',
      'nvr_media_job_bytes_total{kind="clip"} 5000000',
      'nvr_retention_deleted_segments_total{camera="gate"} 12', 'nvr_retention_deleted_bytes_total{camera="gate"} 36000000',
      'nvr_retention_failures_total 1',
      'nvr_disk_free_bytes 1000000000000', 'nvr_disk_total_bytes 4000000000000', 'nvr_disk_projected_days 41.5',
      'nvr_health_status{status="degraded"} 1', 'nvr_health_status{status="ok"} 0',
      'nvr_clock_sync_state{state="synchronized"} 1', 'nvr_clock_offset_seconds -0.0025', 'nvr_clock_plausible 1',
      'nvr_index_errors_total 3', 'nvr_recorders_live 1', 'nvr_build_info{version="9.9.9"} 1',
      'nvr_http_requests_total{method="GET",route="/api/v1/cameras/:id",status="200"} 1',
    ];
    for (const line of expected) expect(body.split('\n'), line).toContain(line);
    // No age before a camera's first segment (rather than a made-up zero).
    expect(body).not.toMatch(/nvr_camera_last_segment_age_seconds\{camera="yard"\}/);
  });

  it('leaves unknown figures out instead of reporting 0', async () => {
    const m = new NvrMetrics({
      clock: new ManualClock(), version: '1', processMetrics: false, statuses: () => [], counters: () => [],
      health: () => ({ status: 'ok', reasons: [] }), clockSync: () => ({ status: 'unknown', offsetUs: null, source: 'none', detail: null }),
      clockPlausible: () => true, indexErrors: () => 0, recordersLive: () => true,
    });
    m.setDiskSource(() => ({ freeBytes: 5, totalBytes: 10, projectedDays: null }));
    const { body } = await m.render();
    expectValidExposition(body);
    expect(body).toMatch(/^nvr_clock_sync_state\{state="unknown"\} 1$/m);
    expect(body).not.toMatch(/^nvr_clock_offset_seconds /m);
    expect(body).not.toMatch(/^nvr_disk_projected_days /m);
    expect(body).toMatch(/^nvr_disk_free_bytes 5$/m);
  });
});

describe('GET /metrics on the daemon', () => {
  let daemon: Daemon;
  let dataDir: string;
  beforeAll(async () => {
    const cfg = writeTestConfig({ cameras: [{ id: 'gate', url: 'rtsp://officer:s3cret-pw@127.0.0.1:9/none' }] });
    dataDir = cfg.dataDir;
    daemon = await startDaemon(loadConfig({ file: cfg.file, env: {} }), { log: silentLogger(), listen: false, system: { processMetrics: true } });
  });
  afterAll(async () => { await daemon?.close(); });

  it('needs a viewer: 401 anonymously, 200 with a session, and counts requests by route pattern and status', async () => {
    const app = daemon.app;
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    const password = readFileSync(path.join(dataDir, 'initial-admin-password'), 'utf8').trim();
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password } });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    await app.inject('/api/v1/health');
    await app.inject('/api/v1/health');
    await app.inject({ url: '/api/v1/cameras/gate', headers: { cookie } });
    await app.inject({ url: '/no/such/thing', headers: { cookie } });

    const res = await app.inject({ url: '/metrics', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const lines = res.body.split('\n');
    expectValidExposition(res.body);
    expect(lines).toContain('nvr_http_requests_total{method="GET",route="/api/v1/health",status="200"} 2');
    expect(lines).toContain('nvr_http_requests_total{method="GET",route="/metrics",status="401"} 1');
    expect(lines).toContain('nvr_http_requests_total{method="GET",route="/api/v1/cameras/:id",status="200"} 1');
    expect(lines).toContain('nvr_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(lines).toContain('nvr_camera_segments_total{camera="gate"} 0');
    expect(res.body).toMatch(/^nvr_disk_free_bytes \d+$/m);
    expect(res.body).toMatch(/^nvr_process_resident_memory_bytes \d+$/m);
    expect(res.body).toMatch(/^nvr_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
    expect(res.body).not.toContain('s3cret-pw');
    expect(res.body).not.toContain('officer');
  });
});
