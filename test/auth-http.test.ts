/**
 * Access control through the real app: the auth plugin on every route, roles, bearer
 * tokens, the session cookie (inject, and over a loopback port with a cookie jar),
 * CSRF, login rate limit with Retry-After, the account/token/audit routes, OpenAPI.
 * Auth and audit are real over a temp SQLite index (test/helpers/api-deps.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type ApiApp } from '../src/api/app.js';
import { apiDepsWith, createAuthFixture, type AuthFixture } from './helpers/api-deps.js';

let fx: AuthFixture;
let app: ApiApp;

beforeEach(async () => {
  fx = createAuthFixture();
  app = buildApp(apiDepsWith(fx));
  await app.ready();
});
afterEach(async () => {
  await app.close();
  fx.close();
});

type Headers = Record<string, string>;
async function call(method: string, url: string, headers: Headers = {}, payload?: unknown) {
  const res = await app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const body = res.body === '' ? null : (res.json() as Record<string, unknown>);
  return { status: res.statusCode, body, headers: res.headers, cookies: res.cookies };
}

function expectError(res: { status: number; body: Record<string, unknown> | null }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body ?? {}).sort()).toEqual(['code', 'message']);
  expect(res.body!['code']).toBe(code);
}

/** Every operation in the OpenAPI document, with '{param}' filled in. */
async function documentedOperations(): Promise<{ method: string; url: string; access: string }[]> {
  const doc = (await call('GET', '/docs/json')).body as { paths: Record<string, Record<string, { description?: string }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      url: path.replace(/\{[^}]+\}/g, '1'),
      access: /Needs role: (\w+)/.exec(op.description ?? '')?.[1] ?? 'public',
    })),
  );
}

const session = (id: string): Headers => ({ cookie: `nvr_session=${id}`, origin: 'http://localhost:80', host: 'localhost:80' });

async function loginAs(username: string, password: string, headers: Headers = {}) {
  return call('POST', '/api/v1/auth/login', headers, { username, password });
}

describe('the auth plugin', () => {
  it('every documented /api operation but health, login and logout answers 401 without credentials', async () => {
    const ops = await documentedOperations();
    expect(ops.length).toBeGreaterThanOrEqual(12);
    const publicOps = ops.filter((o) => o.access === 'public').map((o) => `${o.method} ${o.url}`).sort();
    expect(publicOps).toEqual(['GET /api/v1/health', 'POST /api/v1/auth/login', 'POST /api/v1/auth/logout']);
    for (const op of ops.filter((o) => o.access !== 'public')) {
      const res = await call(op.method, op.url);
      if (op.method === 'HEAD') expect(res.status, op.url).toBe(401); // no body on HEAD
      else expectError(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="nvr"');
    }
    expectError(await call('GET', '/api/v1/no-such-thing'), 401, 'UNAUTHORIZED'); // no anonymous mapping
    expect((await call('HEAD', '/api/v1/users')).status).toBe(401); // Fastify's automatic HEAD routes too
    expect((await call('GET', '/api/v1/health')).status).toBe(200);
  });

  it('enforces the role of each route: 403 names the role needed, and is audited', async () => {
    expect((await call('GET', '/api/v1/cameras', fx.bearer('viewer'))).status).toBe(200);
    for (const role of ['viewer', 'investigator'] as const) {
      const res = await call('GET', '/api/v1/users', fx.bearer(role));
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body!['message']).toBe(`this needs the 'admin' role; token:test-${role} is '${role}'`);
    }
    expect((await call('GET', '/api/v1/users', fx.bearer('admin'))).status).toBe(200);
    const denied = fx.audit.list({ fromMs: 0, toMs: Date.now() + 1, limit: 10 }).entries.filter((e) => e.result === 'denied');
    expect(denied.map((e) => [e.actor, e.action, e.detail])).toEqual([
      ['token:test-investigator', 'access', 'GET /api/v1/users needs admin'],
      ['token:test-viewer', 'access', 'GET /api/v1/users needs admin'],
    ]);
  });

  it('401 for forged, malformed, revoked tokens and for a forged or unknown session', async () => {
    const forged = `nvr_${'A'.repeat(43)}`;
    const { token, view } = fx.auth.tokens.create({ name: 'soon-revoked', role: 'admin', createdBy: 'test' });
    fx.auth.tokens.revoke(view.id);
    const cases: [Headers, RegExp][] = [
      [{ authorization: `Bearer ${forged}` }, /not valid/],
      [{ authorization: `Bearer ${token}` }, /not valid \(unknown or revoked\)/],
      [{ authorization: 'Basic YWRtaW46YWRtaW4=' }, /must be 'Bearer <token>'/],
      [{ authorization: 'Bearer' }, /must be 'Bearer <token>'/],
      [{ cookie: 'nvr_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /session has expired or is not valid/],
      [{ cookie: 'other=1; nvr_session=../../etc/passwd' }, /session has expired or is not valid/],
    ];
    for (const [headers, message] of cases) {
      const res = await call('GET', '/api/v1/auth/me', headers);
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.body!['message']).toMatch(message);
    }
    const cleared = await call('GET', '/api/v1/auth/me', { cookie: 'nvr_session=xyz' });
    expect(cleared.headers['set-cookie']).toMatch(/^nvr_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
  });
});

describe('browser sessions', () => {
  it('login sets an HttpOnly SameSite=Strict cookie that authenticates; logout ends it; both audited', async () => {
    const pw = await fx.addUser('alice', 'investigator');
    const res = await loginAs('alice', pw);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { username: 'alice', role: 'investigator' } });
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|hash|password/i);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^nvr_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const id = res.cookies[0]!.value;
    expect((await call('GET', '/api/v1/auth/me', session(id))).body).toEqual({ id: expect.stringMatching(/^user:\d+$/), name: 'alice', role: 'investigator', via: 'session' });
    const out = await call('POST', '/api/v1/auth/logout', session(id));
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']).toContain('Max-Age=0');
    expectError(await call('GET', '/api/v1/auth/me', session(id)), 401, 'UNAUTHORIZED');
    const trail = fx.audit.list({ fromMs: 0, toMs: Date.now() + 1, limit: 10 }).entries.map((e) => [e.actor, e.action, e.result, e.address]);
    expect(trail).toEqual([['alice', 'logout', 'ok', '127.0.0.1'], ['alice', 'login', 'ok', '127.0.0.1']]);
  });

  it('a wrong password is 401 and audited as failed under the name tried', async () => {
    await fx.addUser('bob', 'viewer');
    expectError(await loginAs('bob', 'not-the-password'), 401, 'UNAUTHORIZED');
    expectError(await loginAs('nobody', 'not-the-password'), 401, 'UNAUTHORIZED');
    const trail = fx.audit.list({ fromMs: 0, toMs: Date.now() + 1, limit: 10 }).entries.map((e) => [e.actor, e.result, e.detail]);
    expect(trail).toEqual([['nobody', 'failed', 'UNAUTHORIZED'], ['bob', 'failed', 'UNAUTHORIZED']]);
  });

  it('rate-limits logins: the 6th attempt in 5 minutes is 429 with Retry-After, even with the right password', async () => {
    const pw = await fx.addUser('carol', 'viewer');
    for (let i = 0; i < 5; i += 1) expectError(await loginAs('carol', `wrong-${i}-password`), 401, 'UNAUTHORIZED');
    const limited = await loginAs('carol', pw);
    expectError(limited, 429, 'RATE_LIMITED');
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(290);
    expect(retry).toBeLessThanOrEqual(300);
    expect(fx.audit.list({ fromMs: 0, toMs: Date.now() + 1, limit: 1 }).entries[0]).toMatchObject({ actor: 'carol', action: 'login', result: 'denied', detail: 'RATE_LIMITED' });
  });

  it('CSRF: a cookie-authenticated change needs a same-origin Origin or Sec-Fetch-Site', async () => {
    const pw = await fx.addUser('root', 'admin');
    const id = (await loginAs('root', pw)).cookies[0]!.value;
    const body = { username: 'dave', password: 'dave-password-1', role: 'viewer' };
    const cookie = `nvr_session=${id}`;
    const refused: Headers[] = [
      { cookie },
      { cookie, origin: 'http://evil.example', host: 'localhost:80' },
      { cookie, origin: 'null', host: 'localhost:80' },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'same-site', origin: 'http://localhost:80', host: 'localhost:80' },
    ];
    for (const headers of refused) expectError(await call('POST', '/api/v1/users', headers, body), 403, 'FORBIDDEN');
    expectError(await call('POST', '/api/v1/auth/login', { origin: 'http://evil.example' }, { username: 'root', password: pw }), 403, 'FORBIDDEN');
    expect((await call('POST', '/api/v1/users', { cookie, 'sec-fetch-site': 'same-origin' }, body)).status).toBe(201);
    expect((await call('PATCH', '/api/v1/users/2', { cookie, origin: 'http://localhost:80', host: 'localhost:80' }, { role: 'investigator' })).status).toBe(200);
    // Reads are not state-changing; bearer tokens are never sent by a browser on its own.
    expect((await call('GET', '/api/v1/users', { cookie })).status).toBe(200);
    expect((await call('POST', '/api/v1/users', fx.bearer('admin'), { ...body, username: 'erin' })).status).toBe(201);
  });
});

describe('users, tokens and audit routes (admin)', () => {
  const admin = () => fx.bearer('admin');

  it('users CRUD never returns a hash; refuses the last admin; audits every change', async () => {
    const created = await call('POST', '/api/v1/users', admin(), { username: 'frank', password: 'frank-password', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'frank', role: 'viewer', lastLogin: null });
    expect(Object.keys(created.body!).sort()).toEqual(['created', 'createdMs', 'id', 'lastLogin', 'lastLoginMs', 'role', 'updatedMs', 'username']);
    const id = created.body!['id'] as number;
    expectError(await call('POST', '/api/v1/users', admin(), { username: 'frank', password: 'frank-password', role: 'viewer' }), 409, 'CONFLICT');
    const bad = await call('POST', '/api/v1/users', admin(), { username: 'Frank/..', password: 'x', role: 'boss' });
    expectError(bad, 400, 'BAD_REQUEST');
    expect((await call('PATCH', `/api/v1/users/${id}`, admin(), { role: 'admin' })).body).toMatchObject({ role: 'admin' });
    expectError(await call('PATCH', `/api/v1/users/${id}`, admin(), {}), 400, 'BAD_REQUEST');
    expectError(await call('PATCH', '/api/v1/users/..%2F1', admin(), { role: 'viewer' }), 400, 'INVALID_ID');
    expectError(await call('DELETE', `/api/v1/users/${id}`, admin()), 409, 'CONFLICT'); // the only admin user
    expect((await call('PATCH', `/api/v1/users/${id}`, admin(), { role: 'viewer' })).status).toBe(409);
    const list = await call('GET', '/api/v1/users', admin());
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/);
    await fx.addUser('grace', 'admin');
    expect((await call('DELETE', `/api/v1/users/${id}`, admin())).status).toBe(204);
    expectError(await call('DELETE', `/api/v1/users/${id}`, admin()), 404, 'NOT_FOUND');
    const actions = fx.audit.list({ fromMs: 0, toMs: Date.now() + 1, limit: 50 }).entries.reverse().map((e) => `${e.action}:${e.result}`);
    expect(actions).toEqual([
      'user.create:ok', 'user.create:failed', 'user.update:ok', 'user.delete:failed', 'user.update:failed', 'user.delete:ok', 'user.delete:failed',
    ]);
  });

  it('tokens: created once with the secret, listed without it, its role enforced, revocable', async () => {
    const created = await call('POST', '/api/v1/tokens', admin(), { name: 'exporter', role: 'viewer' });
    expect(created.status).toBe(201);
    const token = created.body!['token'] as string;
    expect(created.body).toMatchObject({ name: 'exporter', role: 'viewer', createdBy: 'token:test-admin', revoked: null });
    const listed = await call('GET', '/api/v1/tokens', admin());
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(4));
    expect((listed.body!['tokens'] as { name: string }[]).map((t) => t.name)).toEqual(['test-viewer', 'test-investigator', 'test-admin', 'exporter']);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call('GET', '/api/v1/cameras', bearer)).status).toBe(200);
    expectError(await call('GET', '/api/v1/tokens', bearer), 403, 'FORBIDDEN');
    const revoked = await call('DELETE', `/api/v1/tokens/${created.body!['id'] as number}`, admin());
    expect(revoked.body!['revokedMs']).toEqual(expect.any(Number));
    expectError(await call('GET', '/api/v1/cameras', bearer), 401, 'UNAUTHORIZED');
    expectError(await call('DELETE', '/api/v1/tokens/777', admin()), 404, 'NOT_FOUND');
  });

  it('GET /audit pages newest first within from/to; validates limit and range; /audit/verify checks the chain', async () => {
    for (let i = 0; i < 4; i += 1) fx.audit.append({ actor: 'alice', address: '10.0.0.9', action: 'clip', result: 'ok', cameraId: 'gate', fromMs: 1_800_000_000_000, toMs: 1_800_000_060_000, bytes: 1234 });
    const page = await call('GET', '/api/v1/audit?limit=2', admin());
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ more: true, fromMs: 0 });
    const entries = page.body!['entries'] as Record<string, unknown>[];
    expect(entries.map((e) => e['id'])).toEqual([4, 3]);
    expect(entries[0]).toMatchObject({ actor: 'alice', cameraId: 'gate', bytes: 1234, from: '2027-01-15T08:00:00.000Z', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await call('GET', `/api/v1/audit?from=${Date.now() + 60_000}&to=${Date.now() + 120_000}`, admin())).body).toMatchObject({ entries: [], more: false });
    expectError(await call('GET', '/api/v1/audit?limit=5000', admin()), 400, 'BAD_REQUEST');
    expectError(await call('GET', '/api/v1/audit?from=soon', admin()), 400, 'INVALID_TIME');
    expectError(await call('GET', `/api/v1/audit?from=${Date.now()}&to=${Date.now() - 1000}`, admin()), 400, 'INVALID_RANGE');
    expect((await call('GET', '/api/v1/audit/verify', admin())).body).toMatchObject({ ok: true, entries: 4, problem: null });
    expectError(await call('GET', '/api/v1/audit', fx.bearer('investigator')), 403, 'FORBIDDEN');
  });
});

describe('OpenAPI', () => {
  it('serves OpenAPI 3 from the route schemas, with the role each operation needs', async () => {
    const doc = (await call('GET', '/docs/json')).body as Record<string, any>;
    expect(doc['openapi']).toMatch(/^3\./);
    const create = doc['paths']['/api/v1/users']['post'];
    expect(create.description).toContain('Needs role: admin');
    expect(create.security).toEqual([{ bearer: [] }, { session: [] }]);
    const bodySchema = create.requestBody.content['application/json'].schema;
    expect(bodySchema.properties.username.pattern).toBe('^[a-z0-9][a-z0-9._-]{0,31}$');
    expect(bodySchema.properties.role.enum).toEqual(['viewer', 'investigator', 'admin']);
    expect(doc['paths']['/api/v1/health']['get'].security).toEqual([]);
    expect(doc['components']['securitySchemes']['session']).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'nvr_session' });
    const ui = await app.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });
});

describe('over a loopback port with a cookie jar', () => {
  it('logs in, uses the cookie, logs out', async () => {
    const pw = await fx.addUser('heidi', 'viewer');
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const jar = new Map<string, string>();
    const send = async (method: string, path: string, body?: unknown) => {
      const headers: Headers = { origin: base };
      if (jar.size > 0) headers['cookie'] = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [k, v] = pair!.split('=') as [string, string];
        if (/Max-Age=0/.test(line)) jar.delete(k);
        else jar.set(k, v);
      }
      return { status: res.status, body: (res.status === 204 ? null : await res.json()) as Record<string, unknown> | null };
    };
    expect((await send('GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await send('POST', '/api/v1/auth/login', { username: 'heidi', password: pw })).status).toBe(200);
    expect([...jar.keys()]).toEqual(['nvr_session']);
    expect((await send('GET', '/api/v1/auth/me')).body).toMatchObject({ name: 'heidi', role: 'viewer', via: 'session' });
    expect((await send('GET', '/api/v1/cameras')).status).toBe(200);
    expect((await send('GET', '/api/v1/tokens')).status).toBe(403);
    expect((await send('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect(jar.size).toBe(0);
    expect((await send('GET', '/api/v1/auth/me')).status).toBe(401);
  });
});
