/**
 * Cameras change while the real daemon runs (`node bin/nvr.js serve --config FILE`,
 * recording a real RTSP test camera): edits of the config file apply live and touch only
 * the camera they concern — its ffmpeg starts, stops or restarts, every other ffmpeg
 * keeps its pid — and one API request onboards an ONVIF camera (our simulator on
 * 127.0.0.1) that then records, and records again after a restart.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer, createApiToken, ffmpegPidsMentioning, readSegments, spawnDaemon, tempDir, waitFor, writeTestConfig,
  type DaemonProcess, type TestCameraEntry,
} from './helpers/daemon.js';
import { startSimDevice, type SimDevice } from './helpers/onvif-sim/device.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';

const mounts = ['/live-alpha', '/live-bravo', '/live-charlie', '/live-delta'];
const password = 'e2e-Cam-pw-42';
let camera: TestCamera;
let daemon: DaemonProcess;
let base: string;
let token: string;
let sim: SimDevice;
const dataDir = tempDir('nvr-live-');

const url = (mount: string) => `${camera.url.replace(/\/[^/]*$/, '')}${mount}`;
const entry = (id: string, mount: string, extra: Partial<TestCameraEntry> = {}): TestCameraEntry => ({ id, url: url(mount), ...extra });
const pid = (mount: string) => ffmpegPidsMentioning(mount.slice(1));
const onePid = (mount: string) => waitFor(`one ffmpeg for ${mount}`, () => { const p = pid(mount); return p.length === 1 ? p[0]! : null; }, 30_000);
const nonePid = (mount: string) => waitFor(`no ffmpeg for ${mount}`, () => pid(mount).length === 0, 30_000);

/** Save the config as an editor would: in place, or by renaming a new file over it. */
function save(cameras: TestCameraEntry[], atomic = false): void {
  if (!atomic) { writeTestConfig({ dataDir, cameras }); return; }
  const scratch = writeTestConfig({ dataDir: tempDir('nvr-live-tmp-'), cameras });
  const text = readFileSync(scratch.file, 'utf8').replace(/dataDir: .*/, `dataDir: ${JSON.stringify(dataDir)}`);
  const target = `${dataDir}/config.yaml`;
  writeFileSync(`${target}.swp`, text);
  renameSync(`${target}.swp`, target);
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method, headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

beforeAll(async () => {
  camera = await startTestCamera({ paths: mounts, keyintFrames: 25 });
  writeTestConfig({ dataDir, cameras: [entry('alpha', '/live-alpha'), entry('bravo', '/live-bravo')] });
  token = createApiToken(`${dataDir}/config.yaml`);
  daemon = spawnDaemon(`${dataDir}/config.yaml`);
  base = await daemon.url();
  await Promise.all([onePid('/live-alpha'), onePid('/live-bravo')]);
}, 90_000);

afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) { daemon.child.kill('SIGTERM'); await daemon.exited; }
  await sim?.close();
  await camera?.stop();
});

describe('config file edits apply live, one recorder at a time', () => {
  it('a camera added to the file starts; the others keep their ffmpeg', async () => {
    const [a, b] = [pid('/live-alpha')[0], pid('/live-bravo')[0]];
    save([entry('alpha', '/live-alpha'), entry('bravo', '/live-bravo'), entry('charlie', '/live-charlie')]);
    await onePid('/live-charlie');
    expect([pid('/live-alpha')[0], pid('/live-bravo')[0]]).toEqual([a, b]);
  });

  it('a camera removed from the file stops; the others keep theirs', async () => {
    const [a, c] = [pid('/live-alpha')[0], pid('/live-charlie')[0]];
    save([entry('alpha', '/live-alpha'), entry('charlie', '/live-charlie')]);
    await nonePid('/live-bravo');
    expect([pid('/live-alpha')[0], pid('/live-charlie')[0]]).toEqual([a, c]);
    expect((await api('GET', '/api/v1/cameras')).body['cameras']).toHaveLength(2);
  });

  it('a camera disabled in the file stops and shows as disabled', async () => {
    const c = pid('/live-charlie')[0];
    save([entry('alpha', '/live-alpha', { enabled: false }), entry('charlie', '/live-charlie')]);
    await nonePid('/live-alpha');
    expect(pid('/live-charlie')[0]).toBe(c);
    expect((await api('GET', '/api/v1/cameras/alpha')).body).toMatchObject({ enabled: false, state: 'disabled' });
  });

  it('a new URL restarts only that camera (saved by rename, as editors do), and it records', async () => {
    const changedMs = Date.now();
    save([entry('alpha', '/live-alpha', { enabled: false }), entry('charlie', '/live-delta')], true);
    await onePid('/live-delta');
    await nonePid('/live-charlie');
    await waitFor('a charlie segment from the new URL', () => readSegments(dataDir, 'charlie').some((s) => s.start_ms > changedMs), 30_000);
  });

  it('an invalid file is reported and changes nothing', async () => {
    const d = pid('/live-delta')[0];
    writeFileSync(`${dataDir}/config.yaml`, 'cameras: [ { id: "Bad Id", url: nope');
    await waitFor('the invalid-config log line', () => daemon.output().includes('config file is invalid'), 15_000);
    expect(pid('/live-delta')[0]).toBe(d);
    expect(pid('/live-alpha')).toEqual([]);
  });
});

describe('onboarding through the API on the real daemon', () => {
  it('one request adds an ONVIF camera, which records, without its password in any answer or log', async () => {
    save([entry('alpha', '/live-alpha', { enabled: false }), entry('charlie', '/live-delta')]);
    sim = await startSimDevice({ password, profiles: [{ token: 'main', name: 'main', encoding: 'H264', width: 640, height: 360, fps: 25, bitrateKbps: 1000, govLength: 25, audio: null, streamUri: url('/live-bravo') }] });
    const res = await api('POST', '/api/v1/cameras', { id: 'gate', name: 'Cổng', onvif: { host: sim.host, port: sim.port, username: 'admin', password } });
    expect(res.status).toBe(201);
    expect(['connecting', 'recording']).toContain(res.body['state']);
    expect((res.body['healthCard'] as Record<string, unknown>)['status']).toBe('ok');
    const startedMs = Date.now();
    await onePid('/live-bravo');
    await waitFor('a segment of the onboarded camera', () => readSegments(dataDir, 'gate').some((s) => s.end_ms > startedMs), 30_000);
    expect(JSON.stringify(res.body)).not.toContain(password);
    expect(daemon.output()).not.toContain(password);
  });

  it('the stored camera records again after a restart; removing it stops only it', async () => {
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    daemon = spawnDaemon(`${dataDir}/config.yaml`);
    base = await daemon.url();
    await Promise.all([onePid('/live-bravo'), onePid('/live-delta')]);
    const d = pid('/live-delta')[0];
    expect((await api('DELETE', '/api/v1/cameras/gate')).status).toBe(204);
    await nonePid('/live-bravo');
    expect(pid('/live-delta')[0]).toBe(d);
    expect(daemon.output()).not.toContain(password);
  });
});
