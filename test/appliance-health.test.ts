/**
 * Health: cameras judged by their recorder status, every other concern as a pluggable
 * check (clock, index errors, and retention / disk later), index write failures from a
 * real SQLite index, and the answer over HTTP from the real daemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { RecorderStatus, SegmentClosedEvent } from '../src/core/types.js';
import { loadConfig } from '../src/config/load.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { evaluateHealth } from '../src/health/health.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore } from '../src/store/db.js';
import { IndexErrors, indexSink } from '../src/system/index-sink.js';
import { RecorderLiveness, stuckAfterMs } from '../src/system/liveness.js';
import { tempDir, writeTestConfig } from './helpers/daemon.js';

const t0 = Date.UTC(2027, 0, 10, 8);
const minute = 60_000;
function status(cameraId: string, state: RecorderStatus['state'], sinceMs: number, lastError: string | null = null): RecorderStatus {
  return { cameraId, state, sinceMs, lastSegmentEndMs: null, lastSegmentClosedAtMs: null, restarts: 0, lastError, stream: null, pid: null };
}

describe('evaluateHealth', () => {
  const clock = new ManualClock(t0);
  const health = (statuses: RecorderStatus[], checks: Parameters<typeof evaluateHealth>[0]['checks'] = []) =>
    evaluateHealth({ clock, statuses: () => statuses, cameraDownGraceMs: 2 * minute, checks });

  it('is ok when every camera records and no check finds anything', () => {
    expect(health([status('a', 'recording', t0 - 10 * minute)], [() => null, () => []])).toEqual({ status: 'ok', reasons: [] });
  });

  it('names a camera down for longer than N minutes (degraded), and none recording at all (critical)', () => {
    const recent = status('b', 'connecting', t0 - minute);
    const long = status('c', 'connecting', t0 - 3 * minute, 'Connection refused');
    expect(health([status('a', 'recording', t0), recent])).toEqual({ status: 'ok', reasons: [] });
    expect(health([status('a', 'recording', t0), long])).toEqual({ status: 'degraded', reasons: ['camera c connecting since 2027-01-10T07:57:00.000Z: Connection refused'] });
    expect(health([long]).status).toBe('critical');
    expect(health([long]).reasons[0]).toBe('no camera is recording');
  });

  it('puts critical findings first, keeps degraded ones, and turns a throwing check into a finding', () => {
    const report = health([status('a', 'recording', t0)], [
      () => ({ severity: 'degraded', reason: 'clock not synchronised (NTP service active)' }),
      // What retention / disk plug in here, e.g. "disk critical: 2 % free".
      () => [{ severity: 'critical', reason: 'disk critical: 2 % free' }],
      () => { throw new Error('retention figures unavailable'); },
    ]);
    expect(report).toEqual({
      status: 'critical',
      reasons: ['disk critical: 2 % free', 'clock not synchronised (NTP service active)', 'health check failed: retention figures unavailable'],
    });
  });
});

describe('index errors counted from a real index', () => {
  it('is critical while index writes fail and degraded for an hour after they recover', () => {
    const dir = tempDir();
    const clock = new ManualClock(t0);
    const errors = new IndexErrors();
    const event = (seq: number): SegmentClosedEvent => ({
      cameraId: 'gate', runKey: '20270110T080000000Z-abcd', seq, relPath: `gate/2027-01-10/20270110T080000000Z-abcd-${String(seq).padStart(6, '0')}.mp4`,
      startMs: t0 + seq * 2000, endMs: t0 + seq * 2000 + 2000, mediaDurationMs: 2000, observedCloseMs: t0 + seq * 2000 + 2100, sizeBytes: 1000,
      stream: { videoCodec: 'h264', width: 640, height: 360, fps: 25, audioCodec: null },
    });
    const sinkOn = (store: ReturnType<typeof openStore>) => indexSink({
      indexer: new Indexer({ store, recordingsDir: path.join(dir, 'recordings'), log: silentLogger(), clock }), errors, nowMs: () => clock.nowMs(), log: silentLogger(),
    });
    const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger(), clock });
    const sink = sinkOn(store);
    sink.segmentClosed(event(1));
    expect(errors.finding(clock.nowMs())).toBeNull();
    store.close(); // the database goes away under the recorder (disk unplugged, file lost)
    clock.advance(2000);
    expect(() => sink.segmentClosed(event(2))).not.toThrow(); // the recorder never sees it
    expect(errors.total).toBe(1);
    expect(errors.finding(clock.nowMs())).toEqual({ severity: 'critical', reason: 'index writes failing (1 errors; last: The database connection is not open)' });

    const reopened = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger(), clock });
    try {
      clock.advance(2000);
      sinkOn(reopened).segmentClosed(event(3));
      expect(errors.finding(clock.nowMs())?.severity).toBe('degraded');
      clock.advance(3_600_000);
      expect(errors.finding(clock.nowMs())).toBeNull();
    } finally {
      reopened.close();
    }
  });
});

describe('liveness limit', () => {
  it('allows a stalled connect, its stop and the longest backoff, plus slack', () => {
    expect(stuckAfterMs({ stallTimeoutMs: 20_000, stopTimeoutMs: 10_000, restartBackoffMaxMs: 30_000 })).toBe(70_000);
    const l = new RecorderLiveness(1000);
    const s = [status('a', 'connecting', 0)];
    expect(l.observe(0, s, []).alive).toBe(true);
    expect(l.observe(1000, s, []).alive).toBe(true);
    expect(l.observe(1001, s, [])).toEqual({ alive: false, stuck: [{ cameraId: 'a', state: 'connecting', quietMs: 1001 }] });
  });

  it('does not count cameras that are quiet on purpose', () => {
    const l = new RecorderLiveness(1000);
    const quiet = (['failed', 'disabled', 'stopped', 'paused'] as const).map((state) => status(state, state, 0));
    l.observe(0, quiet, []);
    expect(l.observe(60_000, quiet, [])).toEqual({ alive: true, stuck: [] });
  });
});

describe('GET /api/v1/health on the daemon', () => {
  let daemon: Daemon | null = null;
  afterEach(async () => { await daemon?.close(); daemon = null; });

  it('is public and reports the clock finding', async () => {
    const cfg = writeTestConfig({ cameras: [] });
    daemon = await startDaemon(loadConfig({ file: cfg.file, env: {} }), {
      log: silentLogger(), listen: false,
      system: { processMetrics: false, readClockSync: async () => ({ status: 'unsynchronized', offsetUs: null, source: 'chronyc', detail: 'reference 00000000 (), leap status Not synchronised' }) },
    });
    const res = await daemon.app.inject('/api/v1/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'degraded', reasons: ['clock not synchronised (reference 00000000 (), leap status Not synchronised)'] });
  });
});
