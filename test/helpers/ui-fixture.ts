/**
 * The scene of the web app's end-to-end test: a real daemon recording four cameras from
 * two real RTSP test cameras (H.264 gate and road; H.265 market without a sub-stream;
 * H.265 plaza whose sub-stream is H.264), an admin token and password, and a viewer user.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bearer, createApiToken, getJson, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from './daemon.js';
import { startTestCamera, type TestCamera } from './test-camera.js';

export interface Span { fromMs: number; toMs: number }
export interface Coverage { runs: Span[]; gaps: (Span & { reason: string })[] }

export interface UiFixture {
  /** H.264 camera with paths /gate, /road, /plaza-sub (keyframe every second). */
  readonly camera: TestCamera;
  readonly base: string;
  readonly admin: Record<string, string>;
  readonly adminPassword: string;
  readonly viewer: { username: string; password: string };
  /** The last hour of a camera's recordings, as the API answers it. */
  coverage(id: string): Promise<Coverage>;
  close(): Promise<void>;
}

export async function startUiFixture(): Promise<UiFixture> {
  const camera = await startTestCamera({ paths: ['/gate', '/road', '/plaza-sub'], keyintFrames: 25, fps: 25, width: 640, height: 360 });
  const hevc = await startTestCamera({ paths: ['/hevc'], codec: 'h265', width: 320, height: 240, fps: 10, keyintFrames: 10, bitrateKbps: 300 });
  let daemon: DaemonProcess | null = null;
  const close = async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await camera.stop();
    await hevc.stop();
  };
  try {
    const { file, dataDir } = writeTestConfig({
      cameras: [
        { id: 'gate', name: 'Cổng UBND xã', url: camera.urls[0]! },
        { id: 'road', name: 'Đường liên thôn 3', url: camera.urls[1]! },
        { id: 'market', name: 'Chợ (H.265)', url: hevc.url },
        { id: 'plaza', name: 'Quảng trường (H.265 + luồng phụ)', url: hevc.url },
      ],
      segmentSeconds: 2,
    });
    // cameras[].subUrl: writeTestConfig has no such key, so it goes in after the plaza's url.
    const yaml = readFileSync(file, 'utf8').replace(/(  - id: plaza\n(?:    .*\n)*?    url: .*\n)/, `$1    subUrl: ${JSON.stringify(camera.urls[2])}\n`);
    if (!yaml.includes('subUrl')) throw new Error('could not add subUrl to the test config');
    writeFileSync(file, yaml);
    daemon = spawnDaemon(file);
    const base = await daemon.url();
    const admin = bearer(createApiToken(file, 'admin'));
    const viewer = { username: 'officer', password: 'officer-password-1' };
    const created = await fetch(`${base}/api/v1/users`, {
      method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ ...viewer, role: 'viewer' }),
    });
    if (created.status !== 201) throw new Error(`creating the viewer user answered ${created.status}: ${await created.text()}`);
    const coverage = async (id: string) => {
      const now = Date.now();
      return (await getJson<Coverage>(`${base}/api/v1/cameras/${id}/recordings?from=${now - 3_600_000}&to=${now}`, admin)).body;
    };
    await waitFor('both cameras recording', async () => (await coverage('gate')).runs.length > 0 && (await coverage('road')).runs.length > 0, 30_000);
    const adminPassword = readFileSync(path.join(dataDir, 'initial-admin-password'), 'utf8').trim();
    return { camera, base, admin, adminPassword, viewer, coverage, close };
  } catch (err) {
    await close();
    throw err;
  }
}
