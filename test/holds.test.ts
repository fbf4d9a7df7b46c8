/**
 * Evidence holds over real HTTP handling (app.inject), the real auth plugin with real API
 * tokens, the real holds service on a migrated SQLite index, and the real audit trail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type ApiApp, type ApiDeps } from '../src/api/app.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { HoldsService } from '../src/holds/holds-service.js';
import { createAuthFixture, type AuthFixture } from './helpers/api-deps.js';

const t0 = Date.parse('2026-11-28T01:00:00Z');
const clock = new ManualClock(t0 + 86_400_000);
let fixture: AuthFixture;
let app: ApiApp;

beforeEach(async () => {
  fixture = createAuthFixture({ clock });
  for (const id of ['gate', 'yard', 'old-cam']) fixture.store.cameras.ensure(id, id, t0, true);
  const deps = {
    log: silentLogger(),
    clock,
    ...fixture.deps,
    cameras: () => [],
    recorderStatus: () => null,
    health: () => ({ status: 'ok', reasons: [] }),
    version: 'test',
    holds: new HoldsService({ store: fixture.store, clock }),
  } as unknown as ApiDeps;
  app = buildApp(deps);
  await app.ready();
});
afterEach(async () => {
  await app.close();
  fixture.close();
});

const good = { cameras: ['gate', 'yard'], from: '2026-11-28T08:00:00+07:00', to: '2026-11-28T08:30:00+07:00', caseNumber: 'VV-2026/117', reason: 'Trộm xe máy' };

function post(body: unknown, role: 'viewer' | 'investigator' | 'admin' = 'investigator') {
  return app.inject({ method: 'POST', url: '/api/v1/holds', headers: fixture.bearer(role), payload: body as object });
}

function auditActions(): { action: string; result: string; actor: string; detail: string | null }[] {
  return fixture.audit.list({ fromMs: 0, toMs: Date.now() + 86_400_000 * 400, limit: 100 }).entries.filter((e) => e.action.startsWith('hold.'));
}

describe('POST /api/v1/holds', () => {
  it('creates a hold over two cameras, answers 201 with both time forms, and audits it', async () => {
    const res = await post(good);
    expect(res.statusCode).toBe(201);
    const hold = res.json();
    expect(hold).toMatchObject({
      cameras: ['gate', 'yard'], caseNumber: 'VV-2026/117', reason: 'Trộm xe máy', fromMs: Date.parse('2026-11-28T01:00:00Z'),
      to: '2026-11-28T01:30:00.000Z', until: null, createdBy: 'token:test-investigator', active: true, released: null, segments: 0, bytes: 0,
    });
    expect(auditActions()).toEqual([expect.objectContaining({ action: 'hold.create', result: 'ok', actor: 'token:test-investigator' })]);
    expect(auditActions()[0]!.detail).toContain('VV-2026/117');
  });

  it('lets a removed camera whose footage is still indexed be held', async () => {
    expect((await post({ ...good, cameras: ['old-cam'] })).statusCode).toBe(201);
  });

  it.each([
    ['a reversed range', { ...good, from: good.to, to: good.from }, 400, 'INVALID_RANGE', /from \(2026-11-28T01:30:00.000Z\) must be before to/],
    ['an empty range', { ...good, to: good.from }, 400, 'INVALID_RANGE', /must be before/],
    ['an unknown camera', { ...good, cameras: ['gate', 'nope'] }, 404, 'CAMERA_NOT_FOUND', /cameras\[1\]: camera 'nope' does not exist/],
    ['a bad camera id', { ...good, cameras: ['../etc'] }, 400, 'INVALID_ID', /cameras\[0\]='\.\.\/etc' is not a camera id/],
    ['no cameras', { ...good, cameras: [] }, 400, 'BAD_REQUEST', /cameras is required/],
    ['a missing case number', { ...good, caseNumber: undefined }, 400, 'BAD_REQUEST', /caseNumber is required/],
    ['a blank case number', { ...good, caseNumber: '   ' }, 400, 'BAD_REQUEST', /caseNumber is required/],
    ['a missing reason', { ...good, reason: undefined }, 400, 'BAD_REQUEST', /reason is required/],
    ['a malformed time', { ...good, from: 'yesterday' }, 400, 'INVALID_TIME', /from='yesterday' is not a time/],
    ['a missing time', { ...good, to: undefined }, 400, 'INVALID_TIME', /to is required/],
    ['an until in the past', { ...good, until: '2026-11-01T00:00:00Z' }, 400, 'BAD_REQUEST', /until='2026-11-01T00:00:00.000Z' is in the past/],
    ['an unknown field', { ...good, cameraz: ['gate'] }, 400, 'BAD_REQUEST', /cameraz/],
  ])('refuses %s with a clear 4xx', async (_what, body, status, code, message) => {
    const res = await post(body);
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(res.json().message).toMatch(message);
    expect(fixture.store.holds.list()).toEqual([]);
  });

  it('audits a refused request as failed, with the error code', async () => {
    await post({ ...good, caseNumber: '' });
    expect(auditActions()).toEqual([expect.objectContaining({ action: 'hold.create', result: 'failed' })]);
    expect(auditActions()[0]!.detail).toContain('BAD_REQUEST');
  });

  it('is for investigators and admins only', async () => {
    expect((await post(good, 'viewer')).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/holds', headers: fixture.bearer('viewer') })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/api/v1/holds', payload: good })).statusCode).toBe(401);
    expect((await post(good, 'admin')).statusCode).toBe(201);
  });
});

describe('list, extend and release', () => {
  const inject = (method: 'GET' | 'PATCH' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: fixture.bearer('investigator'), ...(payload ? { payload } : {}) });

  it('extends only forward, releases once, and keeps released holds in the full list', async () => {
    const until = '2026-12-31T00:00:00Z';
    const id = (await post({ ...good, until })).json().id as number;
    const later = await inject('PATCH', `/api/v1/holds/${id}`, { until: '2027-06-30T00:00:00Z' });
    expect(later.statusCode).toBe(200);
    expect(later.json().until).toBe('2027-06-30T00:00:00.000Z');
    const shorter = await inject('PATCH', `/api/v1/holds/${id}`, { until });
    expect(shorter.statusCode).toBe(400);
    expect(shorter.json().message).toMatch(/must be after the hold's current end 2027-06-30/);
    const forever = await inject('PATCH', `/api/v1/holds/${id}`, { until: null });
    expect(forever.json().untilMs).toBeNull();
    expect((await inject('PATCH', `/api/v1/holds/${id}`, {})).json().message).toMatch(/until is required/);

    const released = await inject('POST', `/api/v1/holds/${id}/release`);
    expect(released.statusCode).toBe(200);
    expect(released.json()).toMatchObject({ active: false, releasedBy: 'token:test-investigator' });
    const again = await inject('POST', `/api/v1/holds/${id}/release`);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already released by token:test-investigator/);
    expect((await inject('PATCH', `/api/v1/holds/${id}`, { until: null })).statusCode).toBe(409);

    expect((await inject('GET', '/api/v1/holds?active=true')).json().holds).toEqual([]);
    expect((await inject('GET', '/api/v1/holds')).json().holds).toHaveLength(1);
    expect(auditActions().map((a) => `${a.action}:${a.result}`)).toEqual([
      'hold.create:ok', 'hold.extend:ok', 'hold.extend:failed', 'hold.extend:ok', 'hold.extend:failed',
      'hold.release:ok', 'hold.release:failed', 'hold.extend:failed',
    ].reverse());
  });

  it('answers unknown and malformed hold ids with 404 and 400', async () => {
    expect((await inject('GET', '/api/v1/holds/999')).statusCode).toBe(404);
    const bad = await inject('GET', '/api/v1/holds/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INVALID_ID');
  });

  it('a hold lapses by itself at its until', async () => {
    const id = (await post({ ...good, until: new Date(clock.nowMs() + 60_000).toISOString() })).json().id as number;
    expect((await inject('GET', `/api/v1/holds/${id}`)).json().active).toBe(true);
    clock.advance(61_000);
    expect((await inject('GET', `/api/v1/holds/${id}`)).json().active).toBe(false);
    expect((await inject('GET', '/api/v1/holds?active=true')).json().holds).toEqual([]);
  });
});
