/**
 * Hostile input against the real app: the daemon (startDaemon, every route and service
 * wired as in production, a real SQLite index, listening on a loopback port) receives
 * well over 1,000 generated malformed requests: missing, forged, revoked and expired
 * credentials; unparseable times, from after to, unknown cameras; ids with path
 * characters and encodings; oversized URLs (414) and headers (431); wrong methods (405);
 * bad JSON, wrong content types and huge bodies (413); random paths. Every operation is
 * taken from the OpenAPI document, so routes added later are attacked too.
 * Asserted: no 5xx, and every error is exactly `{code, message}` with a registered code,
 * no stack trace, no file path and no credential.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../src/auth/index.js';
import { randomSecret, sha256Hex } from '../src/auth/secrets.js';
import { loadConfig } from '../src/config/load.js';
import { errorCodes } from '../src/core/errors.js';
import { silentLogger } from '../src/core/logger.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { openStore } from '../src/store/db.js';
import { tempDir } from './helpers/daemon.js';

interface Probe { label: string; method: string; url: string; headers?: Record<string, string>; payload?: string | Buffer }
interface Operation { method: string; path: string; query: string[]; hasBody: boolean; isPublic: boolean }

const hostileIds = [
  '..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e', '..%5c..%5cwindows', '%252e%252e%252f', 'a%00b', '%00', '%ZZ', '%',
  'Gate', 'GATE', '-gate', '_x', 'x'.repeat(300), '0', '-1', '1.5', '1e309', '99999999999999999999999', 'NaN',
  '%F0%9F%92%A9', '%C0%AF', 'a%20b', "'%20OR%201=1--", '%3Cscript%3E', '$(reboot)', 'ghost', 'rtsp:%2F%2Fadmin:pw@x',
];
const hostileTimes = [
  '', 'yesterday', 'now', '2026-13-45T99:99:99Z', '2026-11-28T08:00:00', '2026-11-28', '1e20', '-5', 'NaN', 'Infinity',
  '0x1F', '99999999999999999999', '1999-12-31T23:59:59Z', '2300-01-01T00:00:00Z', '%ZZ', '%00', "1'--", 'x'.repeat(500),
];
const hostileValues = ['', '-1', '0', '1e9', 'abc', '%ZZ', '%00', 'x'.repeat(1000), '[]', '{}', 'a,b,../c', ',,,,', 'null'];

const jsonBodies = [
  '{bad', '', '[]', 'null', '1', '"x"', '{"a":', '{}', '{"username":1,"password":2}', '{"username":{"$gt":""},"password":"x"}',
  '{"__proto__":{"role":"admin"},"username":"x","password":"y"}', '{"constructor":{"prototype":{"admin":true}}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"name":"${'x'.repeat(20_000)}","role":"viewer"}`, '{"role":"root","name":"../x"}',
  '\u0000\u0001\u0002', '{"until":"not-a-time","from":"x","to":"y","cameras":"../../"}',
];

/** A fixed-seed generator, so a failure reproduces. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hostile input against the real daemon', () => {
  let daemon: Daemon;
  let dataDir: string;
  const secrets: string[] = [];
  const creds: Record<string, Record<string, string>> = {};
  const seen: { label: string; status: number; body: string }[] = [];

  beforeAll(async () => {
    dataDir = tempDir('nvr-hostile-');
    const file = path.join(dataDir, 'config.yaml');
    fs.writeFileSync(file, [
      'server: {host: 127.0.0.1, port: 0}',
      `storage: {dataDir: ${JSON.stringify(dataDir)}}`,
      'log: {level: fatal}',
      'cameras:',
      '  - {id: gate, url: "rtsp://admin:s3cret-cam@127.0.0.1:1/x", enabled: false}',
    ].join('\n'));
    const config = loadConfig({ file });
    // Credentials of every kind, made in the index before the daemon opens it.
    const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
    const auth = createAuth({ store, clock: { nowMs: () => Date.now(), monotonicMs: () => performance.now() } });
    const admin = auth.tokens.create({ name: 'admin', role: 'admin', createdBy: 'test' }).token;
    const viewer = auth.tokens.create({ name: 'viewer', role: 'viewer', createdBy: 'test' }).token;
    const revoked = auth.tokens.create({ name: 'revoked', role: 'admin', createdBy: 'test' });
    auth.tokens.revoke(revoked.view.id);
    const user = await auth.accounts.create({ username: 'ghost', password: 'ghost-password-1', role: 'admin' });
    const expiredSession = randomSecret();
    store.sessions.insert({ idHash: sha256Hex(expiredSession), userId: user.id, nowMs: Date.now() - 13 * 3600_000, expiresMs: Date.now() - 3600_000, address: '127.0.0.1' });
    store.close();
    secrets.push(admin, viewer, revoked.token, expiredSession, 's3cret-cam', 'ghost-password-1');
    Object.assign(creds, {
      none: {},
      forged: { authorization: `Bearer nvr_${randomSecret()}` },
      garbage: { authorization: 'Bearer ../../../etc/passwd' },
      basic: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      empty: { authorization: '' },
      revoked: { authorization: `Bearer ${revoked.token}` },
      expired: { cookie: `nvr_session=${expiredSession}` },
      forgedCookie: { cookie: `nvr_session=${randomSecret()}` },
      weirdCookie: { cookie: 'nvr_session=%00;;;=;nvr_session' },
      viewer: { authorization: `Bearer ${viewer}` },
      admin: { authorization: `Bearer ${admin}` },
    });
    daemon = await startDaemon(config, { log: silentLogger() });
  }, 60_000);

  afterAll(async () => {
    await daemon?.close('test done');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function check(label: string, status: number, body: string, contentType: string | undefined, method: string): void {
    seen.push({ label, status, body: body.slice(0, 200) });
    expect(status, `${label} → ${status} ${body.slice(0, 300)}`).toBeLessThan(500);
    if (status < 400 || method === 'HEAD') return;
    expect(contentType, label).toMatch(/^application\/json/);
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(parsed).sort(), `${label}: ${body}`).toEqual(['code', 'message']);
    expect(Object.keys(errorCodes), label).toContain(parsed['code']);
    expect(typeof parsed['message'], label).toBe('string');
    expect(body, label).not.toMatch(/\bat [^ ]+ \(|\.(ts|js):\d+|node_modules|\/work\/|\/tmp\//);
    for (const secret of secrets) expect(body, label).not.toContain(secret);
  }

  async function fire(p: Probe): Promise<void> {
    const res = await daemon.app.inject({ method: p.method as 'GET', url: p.url, headers: p.headers ?? {}, ...(p.payload === undefined ? {} : { payload: p.payload }) });
    check(`${p.label}: ${p.method} ${p.url.slice(0, 120)}`, res.statusCode, res.body, res.headers['content-type'] as string | undefined, p.method);
  }

  async function operations(): Promise<Operation[]> {
    const doc = (await daemon.app.inject({ url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown; security?: unknown[] }>>;
    };
    return Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: p,
      query: (op.parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name),
      hasBody: op.requestBody !== undefined,
      isPublic: (op.security ?? []).length === 0,
    })));
  }

  const fill = (p: string, id: string) => p.replace(/\{[^}]+\}/g, id);

  function generate(ops: Operation[]): Probe[] {
    const probes: Probe[] = [];
    const admin = creds['admin']!;
    const json = { ...admin, 'content-type': 'application/json' };
    for (const op of ops) {
      const url = fill(op.path, 'gate');
      for (const [kind, headers] of Object.entries(creds)) {
        if (kind !== 'admin') probes.push({ label: `auth ${kind}`, method: op.method, url, headers });
      }
      if (op.path.includes('{')) {
        for (const id of hostileIds) probes.push({ label: 'hostile id', method: op.method, url: fill(op.path, id), headers: json, payload: '{}' });
      }
      for (const name of op.query) {
        const values = /^(from|to|at|until)$/.test(name) ? hostileTimes : hostileValues;
        for (const v of values) probes.push({ label: `query ${name}`, method: op.method, url: `${url}?${name}=${encodeURIComponent(v)}`, headers: admin });
        probes.push({ label: `repeated ${name}`, method: op.method, url: `${url}?${name}=1&${name}=2`, headers: admin });
      }
      if (op.query.includes('from') && op.query.includes('to')) {
        probes.push({ label: 'from after to', method: op.method, url: `${url}?from=2026-11-28T02:00:00Z&to=2026-11-28T01:00:00Z`, headers: admin });
        probes.push({ label: 'unknown camera', method: op.method, url: `${fill(op.path, 'nope')}?from=2026-11-28T01:00:00Z&to=2026-11-28T02:00:00Z`, headers: admin });
        probes.push({ label: 'years long', method: op.method, url: `${url}?from=2001-01-01T00:00:00Z&to=2199-01-01T00:00:00Z`, headers: admin });
      }
      if (op.hasBody) {
        for (const payload of jsonBodies) probes.push({ label: 'bad json', method: op.method, url, headers: json, payload });
        probes.push({ label: 'huge body', method: op.method, url, headers: json, payload: Buffer.alloc(2 * 1024 * 1024, 'a') });
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
          probes.push({ label: 'content type', method: op.method, url, headers: { ...admin, 'content-type': type }, payload: 'a=1' });
        }
      }
      probes.push({ label: 'long url', method: op.method, url: `${url}?pad=${'x'.repeat(9000)}`, headers: admin });
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        if (!ops.some((o) => o.path === op.path && o.method === method)) probes.push({ label: 'wrong method', method, url, headers: admin });
      }
    }
    return [...probes, ...randomPaths(admin)];
  }

  /** 300 paths of random characters (fixed seed) under the API's prefixes. */
  function randomPaths(admin: Record<string, string>): Probe[] {
    const rand = prng(20261128);
    const alphabet = 'abcxyz019-_.~%/:@!$&\'()*+,;=?#[] \\"<>^`{|}';
    return Array.from({ length: 300 }, (_, i) => {
      const length = 1 + Math.floor(rand() * 40);
      const junk = Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const prefix = ['/api/v1/', '/api/v1/cameras/', '/api/', '/docs/static/', '/'][i % 5];
      return { label: 'random path', method: i % 7 === 0 ? 'POST' : 'GET', url: `${prefix}${encodeURI(junk).replace(/#/g, '%23')}`, headers: i % 2 ? admin : {} };
    });
  }

  it('answers at least 1,000 malformed requests with 4xx {code, message}, never a 5xx', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThanOrEqual(15);
    const probes = generate(ops);
    for (const probe of probes) await fire(probe);
    const statuses = new Map<number, number>();
    for (const s of seen) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
    console.info(`hostile input: ${seen.length} requests over ${ops.length} operations; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(seen.length).toBeGreaterThanOrEqual(1000);
    for (const status of [400, 401, 403, 404, 405, 413, 414, 415]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  }, 300_000);

  it('over the wire: oversized URLs and headers, broken request lines and huge bodies get JSON errors', async () => {
    const { port } = new URL(daemon.url!);
    const raw = (text: string) => new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(text));
      let out = '';
      socket.on('data', (d: Buffer) => { out += d.toString('latin1'); });
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
    const parse = (answer: string) => {
      const [head, body = ''] = answer.split('\r\n\r\n');
      const type = /content-type: ([^\r]+)/i.exec(head ?? '')?.[1];
      return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]), body, type };
    };
    const cases: [string, string, number][] = [
      ['request line over 16 KiB', `GET /api/v1/cameras?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
      ['headers over 16 KiB', `GET /api/v1/health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 200 }, (_, i) => `X-Pad-${i}: ${'b'.repeat(100)}`).join('\r\n')}\r\n\r\n`, 431],
      ['garbage request line', 'HELLO THERE\r\n\r\n', 400],
      ['bad header line', 'GET /api/v1/health HTTP/1.1\r\nHost x\r\n\r\n', 400],
      ['URL of 9,000 characters', `GET /api/v1/cameras?x=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414],
    ];
    for (const [label, text, status] of cases) {
      const answer = parse(await raw(text));
      expect(answer.status, label).toBe(status);
      check(label, answer.status, answer.body, answer.type, 'GET');
    }
    const huge = await fetch(`${daemon.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(3 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    check('huge login body', huge.status, await huge.text(), huge.headers.get('content-type') ?? undefined, 'POST');
  });
});
