/**
 * Getting video out of a recording made by the real daemon (`nvr serve`, real ffmpeg,
 * the GStreamer RTSP test camera): a clip across segments, a still, the HLS playlist
 * played by ffmpeg, all through the daemon's own wiring and an investigator token made
 * with `nvr token create`; and ten clips served at once while it records lose no segment.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { bearer, createApiToken, readSegments, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';
import { decodeErrors } from './clips-fixture.js';

const execFileAsync = promisify(execFile);

describe('clips, stills and playback from the daemon\'s own recording', () => {
  let cam: TestCamera;
  let daemon: DaemonProcess;
  let dataDir: string;
  let base: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    cam = await startTestCamera({ width: 640, height: 360, fps: 25, keyintFrames: 25 });
    const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url }] });
    dataDir = cfg.dataDir;
    auth = bearer(createApiToken(cfg.file, 'investigator'));
    daemon = spawnDaemon(cfg.file);
    base = await daemon.url();
    await waitFor('4 segments', () => readSegments(dataDir, 'cam1').length >= 4, 40_000);
  }, 90_000);

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await cam?.stop();
  });

  const get = async (url: string) => {
    const res = await fetch(`${base}${url}`, { headers: auth });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };

  it('serves a clip across three segments that decodes cleanly', async () => {
    const rows = readSegments(dataDir, 'cam1');
    const from = rows[0]!.start_ms + 500;
    const to = rows[2]!.end_ms - 500;
    const { res, body } = await get(`/api/v1/cameras/cam1/clip.mp4?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clip-method')).toBe('join');
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(Date.parse(res.headers.get('x-clip-from')!)).toBeLessThanOrEqual(from);
    const file = path.join(dataDir, 'e2e-clip.mp4');
    writeFileSync(file, body);
    expect(decodeErrors(file)).toBe('');
  });

  it('serves a still and a playlist that ffmpeg plays', async () => {
    const rows = readSegments(dataDir, 'cam1');
    const still = await get(`/api/v1/cameras/cam1/still.jpg?at=${rows[1]!.start_ms + 300}&width=320`);
    expect(still.res.status).toBe(200);
    expect(still.body.subarray(0, 2).toString('hex')).toBe('ffd8');
    const url = `/api/v1/cameras/cam1/playlist.m3u8?from=${rows[0]!.start_ms}&to=${rows[3]!.end_ms}`;
    const { stderr } = await execFileAsync('ffmpeg', ['-v', 'error', '-headers', `Authorization: ${auth['authorization']}\r\n`, '-i', `${base}${url}`, '-f', 'null', '-'], { timeout: 60_000 });
    expect(stderr).toBe('');
  });

  it('loses no segment while serving ten clips at once', async () => {
    const before = readSegments(dataDir, 'cam1');
    const first = before[0]!.start_ms;
    const last = before.at(-1)!.end_ms;
    const sizes = await Promise.all(Array.from({ length: 10 }, async () => (await get(`/api/v1/cameras/cam1/clip.mp4?from=${first}&to=${last}`)).body.length));
    expect(new Set(sizes).size).toBe(1);
    // Recording went on meanwhile: new segments keep chaining onto the run without a hole.
    const after = await waitFor('two more segments', () => { const r = readSegments(dataDir, 'cam1'); return r.length >= before.length + 2 && r; }, 20_000);
    for (let i = 1; i < after.length; i++) {
      if (after[i]!.run_id === after[i - 1]!.run_id) expect(after[i]!.start_ms).toBe(after[i - 1]!.end_ms);
    }
    expect(new Set(after.map((r) => r.run_id)).size).toBe(1);
  });
});
