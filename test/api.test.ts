/**
 * HTTP API through inject() with plain-object deps (the api's designed port): no network,
 * no recorder. Access control is real (test/helpers/api-deps.ts: auth and audit over a
 * temp SQLite index); requests carry a viewer's API token unless they test auth.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type ApiApp, type ApiDeps } from '../src/api/app.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { RecorderStatus } from '../src/core/types.js';
import type { CameraConfig } from '../src/config/types.js';
import { apiDepsWith, createAuthFixture, type AuthFixture } from './helpers/api-deps.js';

const secret = 's3cret';
const t0 = Date.parse('2026-11-28T01:00:00Z');
const hourMs = 3_600_000;

const cameras: CameraConfig[] = [
  { id: 'gate', name: 'Cổng chính', url: `rtsp://admin:${secret}@10.0.0.5:554/ch1`, enabled: true, audio: 'aac' },
  { id: 'yard_2', name: 'Sân', url: `rtsps://user:${secret}@10.0.0.6/live`, enabled: false, audio: 'off' },
];

const gateStatus: RecorderStatus = {
  cameraId: 'gate',
  state: 'recording',
  sinceMs: t0,
  lastSegmentEndMs: t0 + 60_000,
  lastSegmentClosedAtMs: t0 + 60_500,
  restarts: 2,
  // A careless recorder could pass ffmpeg's own text through, URL included.
  lastError: `rtsp://admin:${secret}@10.0.0.5:554/ch1: Connection refused`,
  stream: { videoCodec: 'h264', width: 1920, height: 1080, fps: 25, audioCodec: 'pcm_alaw' },
  pid: 1234,
};

interface Calls { coverage: [string, number, number][] }

/** Real access control (the fixture's), these plain objects for the rest, no footage services. */
function fakeDeps(calls: Calls, overrides: Partial<ApiDeps> = {}): ApiDeps {
  return apiDepsWith(fixture, {
    log: silentLogger(),
    clock: new ManualClock(t0 + 2 * hourMs),
    cameras: () => cameras,
    recorderStatus: (id) => (id === 'gate' ? gateStatus : null),
    recordings: {
      coverage(cameraId, fromMs, toMs) {
        calls.coverage.push([cameraId, fromMs, toMs]);
        return {
          runs: [{ fromMs, toMs: fromMs + 60_000 }],
          gaps: [{ fromMs: fromMs + 60_000, toMs, reason: 'camera-disconnected' }],
        };
      },
    },
    health: () => ({ status: 'degraded', reasons: [`camera yard_2 failed: rtsp://u:${secret}@x/`] }),
    version: '0.1.0-test',
    ...overrides,
  });
}

let app: ApiApp;
let calls: Calls;
let fixture: AuthFixture;

beforeEach(async () => {
  fixture = createAuthFixture();
  calls = { coverage: [] };
  app = buildApp(fakeDeps(calls));
  await app.ready();
});
afterEach(async () => {
  await app.close();
  fixture.close();
});

async function get(url: string) {
  const res = await app.inject({ method: 'GET', url, headers: fixture.bearer('viewer') });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, raw: res.body, headers: res.headers };
}

function expectError(res: { status: number; body: Record<string, unknown>; raw: string }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body).sort()).toEqual(['code', 'message']);
  expect(res.body['code']).toBe(code);
  expect(res.raw).not.toMatch(/ at .*\.(ts|js):\d+/); // no stack trace
}

describe('GET /api/v1/health', () => {
  it('answers status, reasons, version and the time in ms and ISO', async () => {
    const res = await get('/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'degraded',
      reasons: ['camera yard_2 failed: rtsp://***@x/'],
      version: '0.1.0-test',
      timeMs: t0 + 2 * hourMs,
      time: '2026-11-28T03:00:00.000Z',
    });
  });
});

describe('GET /api/v1/cameras', () => {
  it('lists cameras with their recorder state and no url', async () => {
    const res = await get('/api/v1/cameras');
    expect(res.status).toBe(200);
    const list = res.body['cameras'] as Record<string, unknown>[];
    expect(list.map((c) => c['id'])).toEqual(['gate', 'yard_2']);
    expect(list[0]).toEqual({
      id: 'gate',
      name: 'Cổng chính',
      enabled: true,
      state: 'recording',
      sinceMs: t0,
      since: '2026-11-28T01:00:00.000Z',
      lastSegmentEndMs: t0 + 60_000,
      lastSegmentEnd: '2026-11-28T01:01:00.000Z',
      restarts: 2,
      lastError: 'rtsp://***@10.0.0.5:554/ch1: Connection refused',
      stream: { videoCodec: 'h264', width: 1920, height: 1080, fps: 25, audioCodec: 'pcm_alaw' },
    });
    // No recorder for a disabled camera: shown as disabled, times null.
    expect(list[1]).toMatchObject({ id: 'yard_2', state: 'disabled', sinceMs: null, since: null, stream: null, restarts: 0 });
    for (const cam of list) expect(cam).not.toHaveProperty('url');
  });

  it('shows an enabled camera without a recorder as stopped', async () => {
    const other = buildApp(fakeDeps(calls, { recorderStatus: () => null }));
    const res = await other.inject({ url: '/api/v1/cameras/gate', headers: fixture.bearer('viewer') });
    expect(res.json()).toMatchObject({ id: 'gate', state: 'stopped', lastError: null });
    await other.close();
  });
});

describe('GET /api/v1/cameras/:id', () => {
  it('answers one camera', async () => {
    const res = await get('/api/v1/cameras/gate');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'gate', name: 'Cổng chính', state: 'recording' });
    expect(res.body).not.toHaveProperty('url');
  });

  it('404 CAMERA_NOT_FOUND names the id', async () => {
    const res = await get('/api/v1/cameras/nope');
    expectError(res, 404, 'CAMERA_NOT_FOUND');
    expect(res.body['message']).toContain("'nope'");
  });

  it.each([
    ['upper case', 'Gate'],
    ['encoded slash', 'a%2Fb'],
    ['dots (clients normalize a bare ..)', 'a..b'],
    ['encoded dot dot slash', '..%2F..%2Fetc'],
    ['too long', 'a'.repeat(70)],
    ['leading dash', '-gate'],
  ])('400 INVALID_ID for %s', async (_label, id) => {
    const res = await get(`/api/v1/cameras/${id}`);
    expectError(res, 400, 'INVALID_ID');
    const rec = await get(`/api/v1/cameras/${id}/recordings?from=${t0}&to=${t0 + hourMs}`);
    expectError(rec, 400, 'INVALID_ID');
  });
});

describe('GET /api/v1/cameras/:id/recordings', () => {
  it('answers runs and gaps with ISO-8601 UTC and epoch ms', async () => {
    const res = await get(`/api/v1/cameras/gate/recordings?from=2026-11-28T08:00:00%2B07:00&to=${t0 + hourMs}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      cameraId: 'gate',
      fromMs: t0,
      toMs: t0 + hourMs,
      from: '2026-11-28T01:00:00.000Z',
      to: '2026-11-28T02:00:00.000Z',
      runs: [{ from: '2026-11-28T01:00:00.000Z', to: '2026-11-28T01:01:00.000Z', fromMs: t0, toMs: t0 + 60_000 }],
      gaps: [{ from: '2026-11-28T01:01:00.000Z', to: '2026-11-28T02:00:00.000Z', fromMs: t0 + 60_000, toMs: t0 + hourMs, reason: 'camera-disconnected' }],
    });
    expect(calls.coverage).toEqual([['gate', t0, t0 + hourMs]]);
  });

  it('404 CAMERA_NOT_FOUND for an unknown camera', async () => {
    const res = await get(`/api/v1/cameras/ghost/recordings?from=${t0}&to=${t0 + hourMs}`);
    expectError(res, 404, 'CAMERA_NOT_FOUND');
    expect(res.body['message']).toContain('ghost');
  });

  it('400 INVALID_RANGE when from >= to, naming both', async () => {
    for (const to of [t0, t0 - 1]) {
      const res = await get(`/api/v1/cameras/gate/recordings?from=${t0}&to=${to}`);
      expectError(res, 400, 'INVALID_RANGE');
      expect(res.body['message']).toContain('from (2026-11-28T01:00:00.000Z)');
      expect(res.body['message']).toContain('to (');
    }
    expect(calls.coverage).toEqual([]);
  });

  it.each([
    ['from', `from=yesterday&to=${t0}`, "from='yesterday'"],
    ['to', `from=${t0}&to=2026-11-28T08:00:00`, "to='2026-11-28T08:00:00'"], // no offset
    ['missing from', `to=${t0}`, 'from is required'],
    ['missing to', `from=${t0}`, 'to is required'],
    ['empty from', `from=&to=${t0}`, 'from is required'],
  ])('400 INVALID_TIME for bad %s, naming field and value', async (_label, query, expected) => {
    const res = await get(`/api/v1/cameras/gate/recordings?${query}`);
    expectError(res, 400, 'INVALID_TIME');
    expect(res.body['message']).toContain(expected);
  });

  it('400 RANGE_TOO_LONG beyond 31 days, 200 at exactly 31 days', async () => {
    const dayMs = 86_400_000;
    const tooLong = await get(`/api/v1/cameras/gate/recordings?from=${t0}&to=${t0 + 31 * dayMs + 1}`);
    expectError(tooLong, 400, 'RANGE_TOO_LONG');
    const ok = await get(`/api/v1/cameras/gate/recordings?from=${t0}&to=${t0 + 31 * dayMs}`);
    expect(ok.status).toBe(200);
  });

  it('400 BAD_REQUEST naming the field when a parameter is repeated', async () => {
    const res = await get(`/api/v1/cameras/gate/recordings?from=${t0}&from=${t0 + 1}&to=${t0 + hourMs}`);
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body['message']).toContain('from');
  });
});

describe('errors', () => {
  it('404 NOT_FOUND for an unknown route', async () => {
    const res = await get('/api/v1/nothing-here');
    expectError(res, 404, 'NOT_FOUND');
    expect(res.body['message']).toContain('/api/v1/nothing-here');
  });

  it('405 METHOD_NOT_ALLOWED for a known path with the wrong method', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/v1/cameras/gate', headers: fixture.bearer('viewer') });
    expect(res.statusCode).toBe(405);
    expect(res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    expect(res.headers['allow']).toContain('GET');
  });

  it('500 INTERNAL without details when a service throws', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../src/core/logger.js');
    const { Writable } = await import('node:stream');
    const log = createLogger({ destination: new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }) });
    const broken = buildApp(fakeDeps(calls, {
      log,
      recordings: { coverage: () => { throw new Error(`db failed for rtsp://admin:${secret}@10.0.0.5/`); } },
    }));
    const res = await broken.inject({ url: `/api/v1/cameras/gate/recordings?from=${t0}&to=${t0 + hourMs}`, headers: fixture.bearer('viewer') });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'INTERNAL', message: 'internal error' });
    await broken.close();
    expect(lines.join('')).toContain('request failed');
    expect(lines.join('')).not.toContain(secret);
  });

  it('400 (not 500) for a malformed body on a GET route', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/health', headers: { 'content-type': 'application/json' }, payload: '{bad' });
    expect(res.statusCode).toBeLessThan(500);
  });
});

describe('credentials never leak', () => {
  it('no response body contains the camera password', async () => {
    const urls = [
      '/api/v1/health',
      '/api/v1/cameras',
      '/api/v1/cameras/gate',
      '/api/v1/cameras/yard_2',
      `/api/v1/cameras/gate/recordings?from=${t0}&to=${t0 + hourMs}`,
      `/api/v1/cameras/yard_2/recordings?from=${t0}&to=${t0 + hourMs}`,
      '/api/v1/cameras/nope',
      `/api/v1/cameras/rtsp:%2F%2Fadmin:${secret}@x`,
      `/api/v1/cameras/admin:${secret}@x/recordings`,
      `/api/v1/cameras/gate/recordings?from=rtsp://admin:${secret}@x&to=1`,
      `/api/v1/nothing/rtsp:%2F%2Fadmin:${secret}@x`,
    ];
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url, headers: fixture.bearer('viewer') });
      expect(res.body, url).not.toContain(secret);
      expect(res.body, url).not.toContain('rtsp://admin');
    }
  });
});
