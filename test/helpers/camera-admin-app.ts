/**
 * The HTTP API with the real cameras module behind it (registry, credential vault, ONVIF
 * client, ffprobe health checks, admin service) over a real migrated SQLite index and
 * the real auth/audit fixture; the recorder is replaced by a recording of every camera
 * list the registry hands it, which is what a test needs to see "what would record".
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp, type ApiApp } from '../../src/api/app.js';
import { createCameras } from '../../src/cameras/wiring.js';
import { loadConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { systemSpawner } from '../../src/core/spawn.js';
import type { CameraSpec } from '../../src/core/types.js';
import { apiDepsWith, createAuthFixture, type AuthFixture } from './api-deps.js';

export interface CameraAdminApp {
  app: ApiApp;
  fixture: AuthFixture;
  cameras: ReturnType<typeof createCameras>;
  /** Every list the registry gave the recorder, oldest first. */
  applied: CameraSpec[][];
  close(): Promise<void>;
}

export async function cameraAdminApp(yamlCameras = ''): Promise<CameraAdminApp> {
  const fixture = createAuthFixture();
  const file = path.join(fixture.dir, 'config.yaml');
  writeFileSync(file, `storage:
  dataDir: ${JSON.stringify(fixture.dir)}
discovery:
  requestTimeoutMs: 3000
  streamProbeSeconds: 10
cameras:${yamlCameras === '' ? ' []' : `\n${yamlCameras}`}
`);
  const config = loadConfig({ file });
  const cameras = createCameras({
    config, configFile: null, store: fixture.store.cameras.stored, transaction: (fn) => fixture.store.transaction(fn),
    clock: systemClock, spawner: systemSpawner, log: silentLogger(), interfaces: () => [],
  });
  const applied: CameraSpec[][] = [];
  cameras.follow({ ensureCamera: () => undefined, apply: async (list) => { applied.push(list.map((c) => ({ ...c }))); } });
  const app = buildApp(apiDepsWith(fixture, { cameras: () => cameras.registry.list(), cameraAdmin: cameras.admin, discovery: cameras.discovery }));
  await app.ready();
  return {
    app, fixture, cameras, applied,
    close: async () => { await cameras.close(); await app.close(); fixture.close(); },
  };
}
