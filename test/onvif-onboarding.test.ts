/**
 * Onboarding through the HTTP API, all real: ONVIF simulators on 127.0.0.1 whose stream
 * URIs point at real RTSP test cameras (GStreamer), the real `onvif` client, a real
 * ffprobe for the health card, a real SQLite index, credential file, auth and audit.
 * One request adds a camera; every bad camera gets a clear 4xx and leaves nothing behind.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFileName } from '../src/cameras/credential-vault.js';
import { cameraAdminApp, type CameraAdminApp } from './helpers/camera-admin-app.js';
import { startSimDevice, type SimDevice, type SimDeviceSpec } from './helpers/onvif-sim/device.js';
import type { SimProfile } from './helpers/onvif-sim/responses.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';

const yearMs = 365 * 86_400_000;
const password = 'S3cret-cam-pw';
type Json = Record<string, unknown>;

let h: CameraAdminApp;
const rtsp: TestCamera[] = [];
const sims: SimDevice[] = [];
let clean: TestCamera; // H.264, keyframe every 2 s, no audio (+ a /sub mount)
let smart: TestCamera; // H.264, keyframe every 8 s ("Smart Codec"), G.711 A-law audio
let hevc: TestCamera; // H.265 main stream

const profile = (token: string, encoding: string, width: number, uri: string, extra: Partial<SimProfile> = {}): SimProfile => ({
  token, name: token, encoding, width, height: Math.round((width * 9) / 16), fps: 25, bitrateKbps: 2048, govLength: 50, audio: null, streamUri: uri, ...extra,
});

async function sim(spec: SimDeviceSpec): Promise<SimDevice> {
  const d = await startSimDevice({ password, ...spec });
  sims.push(d);
  return d;
}

async function post(url: string, body: unknown, role: 'admin' | 'viewer' | 'investigator' = 'admin') {
  const res = await h.app.inject({ method: 'POST', url, payload: body as Json, headers: h.fixture.bearer(role) });
  return { status: res.statusCode, body: res.json() as Json, raw: res.body };
}

const onvifBody = (d: SimDevice, name: string, extra: Json = {}) => ({ name, onvif: { host: d.host, port: d.port, username: 'admin', password }, ...extra });
const codes = (body: Json) => ((body['healthCard'] as Json)['warnings'] as Json[]).map((w) => w['code']);

/** What must not change when an onboarding fails. */
function snapshot() {
  const vault = path.join(h.fixture.dir, credentialsFileName);
  let vaultText = '';
  try { vaultText = readFileSync(vault, 'utf8'); } catch { /* no file yet */ }
  return { ids: h.cameras.registry.list().map((c) => c.id), rows: h.fixture.store.cameras.stored.list().length, vaultText, applied: h.applied.length };
}

beforeAll(async () => {
  [clean, smart, hevc] = await Promise.all([
    startTestCamera({ paths: ['/main', '/sub'], keyintFrames: 50 }),
    startTestCamera({ paths: ['/main'], keyintFrames: 200, audio: 'pcma' }),
    startTestCamera({ paths: ['/main'], codec: 'h265', keyintFrames: 50 }),
  ]);
  rtsp.push(clean, smart, hevc);
  // A config-file camera with an ONVIF block: its card is checked on demand, clock included.
  const fileSim = await sim({ clockOffsetMs: -90_000, info: { manufacturer: 'Dahua' }, profiles: [profile('main', 'H264', 1920, clean.urls[0]!)] });
  h = await cameraAdminApp([
    '  - id: filecam\n    url: rtsp://127.0.0.1:1/x\n    enabled: false',
    `  - id: lobby\n    url: ${JSON.stringify(clean.urls[0])}\n    onvif: { host: 127.0.0.1, port: ${fileSim.port}, username: admin, password: ${JSON.stringify(password)} }`,
  ].join('\n'));
}, 60_000);

afterAll(async () => {
  await h?.close();
  await Promise.all([...sims.map((d) => d.close()), ...rtsp.map((c) => c.stop())]);
});

describe('POST /api/v1/cameras with ONVIF', () => {
  it('adds a camera in one request: device facts, streams, health card, recording; no credential out', async () => {
    const d = await sim({ info: { manufacturer: 'Hikvision', model: 'DS-2CD1023', serialNumber: 'DS001' }, profiles: [
      profile('main', 'H264', 1920, clean.urls[0]!), profile('sub', 'H264', 640, clean.urls[1]!),
    ] });
    const res = await post('/api/v1/cameras', onvifBody(d, 'Cổng chính'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 'cong-chinh', name: 'Cổng chính', source: 'api', enabled: true, state: 'stopped' });
    expect(res.body['device']).toMatchObject({ host: '127.0.0.1', port: d.port, manufacturer: 'Hikvision', model: 'DS-2CD1023', serialNumber: 'DS001', mainProfile: 'main', subProfile: 'sub' });
    const card = res.body['healthCard'] as Json;
    expect(card).toMatchObject({ status: 'ok', warnings: [], mainEncoding: 'H264', subEncoding: 'H264', onvifFps: 25, onvifGovLength: 50 });
    expect(card['stream']).toMatchObject({ videoCodec: 'h264', width: 640, height: 360, declaredFps: 25, audioCodec: null, keyframeIntervalIsLowerBound: false });
    const stream = card['stream'] as Json;
    expect(Math.abs((stream['measuredFps'] as number) - 25)).toBeLessThan(2);
    expect(Math.abs((stream['keyframeIntervalMs'] as number) - 2000)).toBeLessThan(200);
    expect(Math.abs(card['clockOffsetMs'] as number)).toBeLessThan(1500);
    expect(res.raw).not.toContain(password);
    expect(res.raw).not.toContain('rtsp://');
    // The recorder got the main stream with the credentials put back in.
    const recorded = h.applied.at(-1)!.find((c) => c.id === 'cong-chinh')!;
    expect(recorded.url).toBe(clean.urls[0]!.replace('rtsp://', `rtsp://admin:${password}@`));
    // Credentials: in the 0600 file only, never in the index.
    const vault = path.join(h.fixture.dir, credentialsFileName);
    expect(statSync(vault).mode & 0o777).toBe(0o600);
    expect(readFileSync(vault, 'utf8')).toContain(password);
    expect(readFileSync(path.join(h.fixture.dir, 'index.sqlite')).includes(password)).toBe(false);
    const viewer = await h.app.inject({ url: '/api/v1/cameras/cong-chinh/health-card', headers: h.fixture.bearer('viewer') });
    expect(viewer.json()).toMatchObject({ cameraId: 'cong-chinh', status: 'ok' });
    const audit = h.fixture.audit.list({ fromMs: 0, toMs: Date.now() + 60_000, limit: 50 }).entries.find((e) => e.action === 'camera.add');
    expect(audit).toMatchObject({ actor: expect.stringContaining('test-admin'), result: 'ok' });
    expect(audit!.detail).not.toContain(password);
  });

  it('flags Smart Codec keyframes and G.711 audio, in Vietnamese and English with the fix', async () => {
    const d = await sim({ profiles: [profile('main', 'H264', 1920, smart.urls[0]!, { govLength: 200, audio: 'G711' })] });
    const res = await post('/api/v1/cameras', onvifBody(d, 'Sân sau', { id: 'yard' }));
    expect(res.status).toBe(201);
    expect(codes(res.body).sort()).toEqual(['g711-audio', 'keyframe-interval']);
    const [g711, gop] = ((res.body['healthCard'] as Json)['warnings'] as { code: string; message: Json; fix: Json }[]).sort((a, b) => a.code.localeCompare(b.code));
    expect(gop!.message['en']).toMatch(/Keyframes come (at least )?[5-9]\.\d s apart \(H\.264\+\/Smart Codec\?\)/);
    expect(gop!.message['vi']).toMatch(/Khung hình chính/);
    expect(gop!.fix['en']).toMatch(/I-frame interval \(GOP\) to 2 s/);
    expect(gop!.fix['vi']).toMatch(/tắt H\.264\+/);
    expect(g711!.message['en']).toContain('pcm_alaw');
    expect(g711!.fix['vi']).toMatch(/AAC/);
  });

  it('flags an H.265 main stream and points live view at the H.264 sub-stream', async () => {
    const d = await sim({ profiles: [profile('main', 'H265', 1920, hevc.urls[0]!), profile('sub', 'H264', 640, clean.urls[1]!)] });
    const res = await post('/api/v1/cameras', onvifBody(d, 'Ngã ba', { id: 'junction' }));
    expect(res.status).toBe(201);
    expect(codes(res.body)).toEqual(['h265-main']);
    const w = ((res.body['healthCard'] as Json)['warnings'] as { message: Json }[])[0]!;
    expect(w.message['en']).toMatch(/live view uses the H\.264 sub-stream/);
  });

  it('logs in to a camera whose clock is a year ahead and flags the clock', async () => {
    const d = await sim({ clockOffsetMs: yearMs, profiles: [profile('main', 'H264', 1920, clean.urls[0]!)] });
    const res = await post('/api/v1/cameras', onvifBody(d, 'Clock off', { id: 'clock-off' }));
    expect(res.status).toBe(201);
    expect(codes(res.body)).toEqual(['clock-offset']);
    const card = res.body['healthCard'] as Json & { warnings: { message: Json }[] };
    expect(Math.abs((card['clockOffsetMs'] as number) - yearMs)).toBeLessThan(1500);
    expect(card.warnings[0]!.message['en']).toMatch(/365 days ahead of the box/);
    expect(card.warnings[0]!.message['vi']).toMatch(/nhanh 365 ngày/);
  });
});

describe('bad cameras: a clear error and nothing half-added', () => {
  const cases: [string, () => Promise<Json>, RegExp][] = [
    ['nothing listening', async () => ({ name: 'x', onvif: { host: '127.0.0.1', port: 9, username: 'admin', password } }), /^onvif\.host: nothing answers at 127\.0\.0\.1:9/],
    ['wrong password', async () => { const d = await sim({}); return { name: 'x', onvif: { host: d.host, port: d.port, username: 'admin', password: 'wrong-pw-77' } }; }, /^onvif\.password: the camera at .* refused/],
    ['malformed SOAP', async () => onvifBody(await sim({ fault: 'truncated-xml' }), 'x'), /^onvif\.host: the device at .* gave an answer that cannot be used/],
    ['SOAP of the wrong shape', async () => onvifBody(await sim({ fault: 'wrong-shape' }), 'x'), /^onvif\.host: /],
  ];
  for (const [what, body, message] of cases) {
    it(`${what} → 400`, async () => {
      const before = snapshot();
      const res = await post('/api/v1/cameras', await body());
      expect(res.status).toBe(400);
      expect(res.body['message']).toMatch(message);
      expect(res.raw).not.toContain('wrong-pw-77');
      expect(snapshot()).toEqual(before);
    });
  }

  it('an HTTP server that is not ONVIF → 400 naming the port', async () => {
    const before = snapshot();
    const res = await post('/api/v1/cameras', { name: 'x', onvif: { host: '127.0.0.1', port: await htmlPort(), username: 'admin', password } });
    expect(res.status).toBe(400);
    expect(res.body['message']).toMatch(/^onvif\.port: .* is not an ONVIF device service/);
    expect(snapshot()).toEqual(before);
  });

  it('a plain RTSP URL that does not answer → 400, nothing stored', async () => {
    const before = snapshot();
    const res = await post('/api/v1/cameras', { id: 'deadurl', name: 'x', url: `rtsp://admin:${password}@127.0.0.1:9/nothing` });
    expect(res.status).toBe(400);
    expect(res.body['message']).toMatch(/^url: the stream could not be read/);
    expect(res.raw).not.toContain(password);
    expect(snapshot()).toEqual(before);
  });

  it('taken ids → 409; the config file camera cannot be changed here; viewers may not add', async () => {
    const d = await sim({ profiles: [profile('main', 'H264', 1920, clean.urls[0]!)] });
    expect((await post('/api/v1/cameras', onvifBody(d, 'x', { id: 'yard' }))).status).toBe(409);
    expect((await post('/api/v1/cameras', onvifBody(d, 'x', { id: 'filecam' }))).status).toBe(409);
    const patch = await h.app.inject({ method: 'PATCH', url: '/api/v1/cameras/filecam', payload: { enabled: true }, headers: h.fixture.bearer('admin') });
    expect([patch.statusCode, patch.json().message]).toEqual([409, expect.stringMatching(/defined in the config file/)]);
    expect((await post('/api/v1/cameras', onvifBody(d, 'x'), 'investigator')).status).toBe(403);
  });
});

describe('plain RTSP cameras and scans', () => {
  it('a camera added by URL: its credentials move to the vault, its card comes from the stream', async () => {
    const res = await post('/api/v1/cameras', { id: 'plain', name: 'Plain', url: clean.urls[0]!.replace('rtsp://', `rtsp://viewer:${password}@`), audio: 'off' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 'plain', source: 'api', device: null, healthCard: { status: 'ok', mainEncoding: null, stream: { videoCodec: 'h264' } } });
    expect(h.fixture.store.cameras.stored.list().find((r) => r.id === 'plain')!.url).toBe(clean.urls[0]);
    expect(h.cameras.registry.credentials('plain')).toEqual({ username: 'viewer', password });
    expect(res.raw).not.toContain(password);
  });

  it('a scan is for admins and is audited', async () => {
    expect((await post('/api/v1/discovery/scan', {}, 'viewer')).status).toBe(403);
    const res = await post('/api/v1/discovery/scan', {});
    expect(res).toMatchObject({ status: 200, body: { devices: [] } }); // this harness has no interfaces
    expect(h.fixture.audit.list({ fromMs: 0, toMs: Date.now() + 60_000, limit: 100 }).entries.some((e) => e.action === 'discovery.scan' && e.result === 'ok')).toBe(true);
  });
});

describe('config-file cameras', () => {
  it('get their card on first request: stream probe, ONVIF facts and the clock read anew', async () => {
    const res = await h.app.inject({ url: '/api/v1/cameras/lobby/health-card', headers: h.fixture.bearer('viewer') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ cameraId: 'lobby', status: 'warning', warnings: [{ code: 'clock-offset' }], mainEncoding: 'H264' });
    expect(Math.abs(res.json().clockOffsetMs + 90_000)).toBeLessThan(1500);
    const camera = await h.app.inject({ url: '/api/v1/cameras/lobby', headers: h.fixture.bearer('viewer') });
    expect(camera.json()).toMatchObject({ source: 'config', device: { manufacturer: 'Dahua' }, healthCard: { status: 'warning' } });
    expect(camera.body).not.toContain(password);
  });
});

describe('changing, finding and removing', () => {
  it('PATCH disables without a new probe; the recorder list follows', async () => {
    const res = await h.app.inject({ method: 'PATCH', url: '/api/v1/cameras/yard', payload: { enabled: false, name: 'Sân sau (tắt)' }, headers: h.fixture.bearer('admin') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'yard', enabled: false, name: 'Sân sau (tắt)', state: 'disabled' });
    expect(h.applied.at(-1)!.find((c) => c.id === 'yard')!.enabled).toBe(false);
  });

  it('PATCH with a wrong new password changes nothing; with the right one the camera is read again', async () => {
    const patch = (onvif: Json) => h.app.inject({ method: 'PATCH', url: '/api/v1/cameras/clock-off', payload: { onvif }, headers: h.fixture.bearer('admin') });
    const before = h.cameras.registry.get('clock-off')!;
    const bad = await patch({ password: 'not-it-123' });
    expect([bad.statusCode, bad.json().message]).toEqual([400, expect.stringMatching(/^onvif\.password:/)]);
    expect(h.cameras.registry.get('clock-off')).toEqual(before);
    const good = await patch({ password });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ id: 'clock-off', healthCard: { warnings: [{ code: 'clock-offset' }] } });
    expect(good.json().device.checkedAtMs).toBeGreaterThan(before.device!.checkedAtMs);
  });

  it('a manual check by address marks a device that is already recorded', async () => {
    const cam = h.cameras.registry.get('cong-chinh')!;
    const res = await post('/api/v1/discovery/check', { host: cam.device!.host, port: cam.device!.port });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ address: '127.0.0.1', alreadyAdded: true, cameraId: 'cong-chinh' });
  });

  it('DELETE removes the camera, its card and its credentials', async () => {
    const res = await h.app.inject({ method: 'DELETE', url: '/api/v1/cameras/junction', headers: h.fixture.bearer('admin') });
    expect(res.statusCode).toBe(204);
    expect(h.cameras.registry.get('junction')).toBeNull();
    expect(h.cameras.registry.credentials('junction')).toBeNull();
    expect(h.fixture.store.cameras.stored.healthCards().map((c) => c.cameraId)).not.toContain('junction');
    expect(h.applied.at(-1)!.map((c) => c.id)).not.toContain('junction');
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/cameras/junction', headers: h.fixture.bearer('admin') })).statusCode).toBe(404);
  });
});

async function htmlPort(): Promise<number> {
  const { createServer } = await import('node:http');
  const server = createServer((_q, r) => { r.writeHead(200, { 'content-type': 'text/html' }); r.end('<html><body>Router</body></html>'); });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  sims.push({ close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }) } as SimDevice);
  return (server.address() as { port: number }).port;
}
