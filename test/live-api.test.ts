/**
 * The live view route over a real WebSocket handshake (fastify's injectWS) with the real
 * auth (tokens in SQLite), the real hub and a real RTSP camera: who may watch, what the
 * upgrade refuses as plain HTTP {code, message}, and what a viewer receives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { buildApp, type ApiApp } from '../src/api/app.js';
import type { ApiCamera } from '../src/api/deps.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { Fmp4Splitter } from '../src/live/fmp4-splitter.js';
import { LiveHub } from '../src/live/live-hub.js';
import { apiDepsWith, createAuthFixture, type AuthFixture } from './helpers/api-deps.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { waitFor } from './helpers/daemon.js';

let camera: TestCamera;
let fixture: AuthFixture;
let hub: LiveHub;
let app: ApiApp;

beforeAll(async () => {
  camera = await startTestCamera({ paths: ['/main', '/sub'], keyintFrames: 25 });
  fixture = createAuthFixture();
  hub = new LiveHub({ spawner: systemSpawner, log: silentLogger() });
  const cameras: ApiCamera[] = [
    { id: 'gate', name: 'Gate', url: camera.urls[0]!, subUrl: camera.urls[1]!, enabled: true, audio: 'off' },
    { id: 'road', name: 'Road', url: camera.urls[0]!, enabled: true, audio: 'off' },
    { id: 'yard', name: 'Yard', url: camera.urls[0]!, enabled: false, audio: 'off' },
  ];
  app = buildApp(apiDepsWith(fixture, { live: hub, cameras: () => cameras }));
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await hub?.close();
  fixture?.close();
  await camera?.stop();
});

interface Received { texts: Record<string, unknown>[]; init: number; fragments: number; firstKey: boolean | null }

/** Opens the socket with listeners attached before the first message can arrive. */
async function open(path: string, headers: Record<string, string>): Promise<{ ws: WebSocket; got: Received }> {
  let got: Received | null = null;
  const ws = await app.injectWS(path, { headers }, { onInit: (socket) => { got = collect(socket); } });
  return { ws, got: got! };
}

function collect(ws: WebSocket): Received {
  const got: Received = { texts: [], init: 0, fragments: 0, firstKey: null };
  const splitter = new Fmp4Splitter({
    onInit: () => { got.init += 1; },
    onFragment: (_b, key) => { got.fragments += 1; got.firstKey ??= key; },
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) splitter.push(data);
    else got.texts.push(JSON.parse(data.toString()) as Record<string, unknown>);
  });
  return got;
}

const livePath = (id: string, quality = 'sub') => `/api/v1/cameras/${id}/live?quality=${quality}`;

describe('GET /api/v1/cameras/:id/live (WebSocket)', () => {
  it('streams the sub-stream to a viewer: a description, the init segment, then fragments from a keyframe', async () => {
    const { ws, got } = await open(livePath('gate'), fixture.bearer('viewer'));
    await waitFor('fragments', () => got.fragments >= 5, 20_000);
    expect(got.texts[0]).toEqual({ type: 'stream', cameraId: 'gate', quality: 'sub', requested: 'sub', hasSubStream: true });
    expect(got.init).toBe(1);
    expect(got.firstKey).toBe(true);
    expect(hub.stats().map((s) => s.key)).toContain('gate/sub');
    ws.terminate();
  });

  it('gives the main stream when asked, and when the camera has no sub-stream', async () => {
    const { ws: main, got: a } = await open(livePath('gate', 'main'), fixture.bearer('viewer'));
    const { ws: fallback, got: b } = await open(livePath('road', 'sub'), fixture.bearer('viewer'));
    await waitFor('descriptions', () => a.texts.length > 0 && b.texts.length > 0, 10_000);
    expect(a.texts[0]).toMatchObject({ quality: 'main', requested: 'main' });
    expect(b.texts[0]).toMatchObject({ quality: 'main', requested: 'sub', hasSubStream: false });
    main.terminate();
    fallback.terminate();
  });

  it('refuses before the upgrade, with the HTTP status of the reason', async () => {
    const refusal = async (path: string, headers: Record<string, string>) => {
      const err = await app.injectWS(path, { headers }).then(() => null, (e: Error) => e);
      return err?.message ?? 'upgraded';
    };
    expect(await refusal(livePath('gate'), {})).toMatch(/401/);
    expect(await refusal(livePath('gate'), { authorization: 'Bearer nvr_forged' })).toMatch(/401/);
    expect(await refusal(livePath('gate'), { ...fixture.bearer('viewer'), origin: 'http://evil.example' })).toMatch(/403/);
    expect(await refusal(livePath('nope'), fixture.bearer('viewer'))).toMatch(/404/);
    expect(await refusal(livePath('yard'), fixture.bearer('viewer'))).toMatch(/409/);
    expect(await refusal(livePath('gate', 'ultra'), fixture.bearer('viewer'))).toMatch(/400/);
    expect(await refusal(livePath('Gate%20X'), fixture.bearer('viewer'))).toMatch(/400/);
  });

  it('answers a plain GET (no upgrade) with a 400 that says it is a WebSocket', async () => {
    const res = await app.inject({ method: 'GET', url: livePath('gate'), headers: fixture.bearer('viewer') });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/WebSocket/) });
  });

  it('never puts the camera URL or its credentials in what a viewer receives', async () => {
    const { ws, got } = await open(livePath('gate'), fixture.bearer('viewer'));
    await waitFor('description', () => got.texts.length > 0, 10_000);
    expect(JSON.stringify(got.texts)).not.toMatch(/rtsp:/);
    ws.terminate();
  });
});
