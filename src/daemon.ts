/**
 * Wires the modules and owns the start and shutdown order (docs/design.md):
 * start: data dir + lock → index (migrations) → reconcile files and rows → demo camera →
 *        recorders → HTTP.
 * stop:  HTTP → recorders (each ffmpeg closes its segment, which is indexed) → demo
 *        camera → index.
 */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { RecordingsService } from './clips/recordings.js';
import type { Config } from './config/types.js';
import { systemClock, type Clock } from './core/clock.js';
import { createLogger, type Logger } from './core/logger.js';
import { systemSpawner, hasParentDeathSignal, type Spawner } from './core/spawn.js';
import { startDemoCamera, type DemoCamera } from './demo/demo-camera.js';
import { evaluateHealth } from './health/health.js';
import { Indexer } from './indexer/indexer.js';
import { ffprobeProber, type Prober } from './indexer/probe.js';
import { reconcile } from './indexer/reconcile.js';
import { RecorderPool } from './recorder/recorder-pool.js';
import { openStore } from './store/db.js';
import { acquireDataDirLock } from './core/lock.js';
import { dataPaths } from './core/paths.js';
import { version } from './core/version.js';

export interface DaemonOptions {
  clock?: Clock;
  spawner?: Spawner;
  log?: Logger;
  prober?: Prober;
  /** Listen for HTTP (default true); tests may use the returned app with inject. */
  listen?: boolean;
}

export interface Daemon {
  readonly app: FastifyInstance;
  readonly pool: RecorderPool;
  /** The address HTTP listens on, e.g. http://127.0.0.1:8080. */
  readonly url: string | null;
  close(reason?: string): Promise<void>;
}

export async function startDaemon(config: Config, opts: DaemonOptions = {}): Promise<Daemon> {
  const clock = opts.clock ?? systemClock;
  const spawner = opts.spawner ?? systemSpawner;
  const log = opts.log ?? createLogger({ level: config.log.level });
  const paths = dataPaths(config.storage.dataDir);
  for (const dir of [paths.dataDir, paths.recordingsDir, paths.quarantineDir]) mkdirSync(dir, { recursive: true, mode: 0o750 });
  const lock = acquireDataDirLock(paths.lockFile);
  if (!hasParentDeathSignal()) log.warn('setpriv not found: ffmpeg children may outlive a killed daemon (install util-linux)');

  const store = openStore({ path: paths.databaseFile, log: log.child({ module: 'store' }) });
  const prober = opts.prober ?? ffprobeProber(config.recorder.ffprobePath);
  const indexer = new Indexer({ store, recordingsDir: paths.recordingsDir, quarantineDir: paths.quarantineDir, prober, log: log.child({ module: 'indexer' }), clock });
  for (const camera of config.cameras) indexer.ensureCamera(camera.id, camera.name);
  const report = await reconcile({ store, recordingsDir: paths.recordingsDir, quarantineDir: paths.quarantineDir, probe: prober, log: log.child({ module: 'reconcile' }), clock });
  log.info({ report }, 'index reconciled with files');

  const demo = await maybeStartDemo(config, spawner, log);
  const pool = new RecorderPool({
    cameras: config.cameras,
    settings: {
      segmentSeconds: config.storage.segmentSeconds,
      rtspTimeoutSeconds: config.recorder.rtspTimeoutSeconds,
      stallTimeoutMs: config.recorder.stallTimeoutSeconds * 1000,
      stopTimeoutMs: config.recorder.stopTimeoutMs,
      restartBackoffInitialMs: config.recorder.restartBackoffInitialMs,
      restartBackoffMaxMs: config.recorder.restartBackoffMaxMs,
      maxRestartsPerHour: config.recorder.maxRestartsPerHour,
      ffmpegPath: config.recorder.ffmpegPath,
    },
    clockStepToleranceMs: config.recorder.clockStepToleranceMs,
    recordingsDir: paths.recordingsDir,
    spawner, clock, log: log.child({ module: 'recorder' }),
    sink: indexer,
  });
  pool.start();

  const recordings = new RecordingsService({ store });
  const app = buildApp({
    log: log.child({ module: 'api' }),
    clock,
    version,
    cameras: () => config.cameras,
    recorderStatus: (id) => pool.status(id),
    recordings,
    // Until the audit module lands, entries go to the log so nothing is silently dropped.
    audit: { append: (entry) => log.info({ audit: entry }, 'audit') },
    health: () => evaluateHealth({ clock, statuses: () => pool.statuses(), cameraDownGraceMs: 120_000 }),
  });
  let url: string | null = null;
  if (opts.listen !== false) {
    url = await app.listen({ host: config.server.host, port: config.server.port });
    log.info({ url, cameras: config.cameras.length, dataDir: paths.dataDir }, 'nvr listening');
  } else {
    await app.ready();
  }

  let closing: Promise<void> | null = null;
  const close = (reason = 'shutdown') => (closing ??= (async () => {
    log.info({ reason }, 'shutting down: http, recorders, index');
    await app.close();
    await pool.close();
    await indexer.drain();
    await demo?.close();
    store.close();
    lock.release();
    log.info('stopped');
  })());
  return { app, pool, url, close };
}

async function maybeStartDemo(config: Config, spawner: Spawner, log: Logger): Promise<DemoCamera | null> {
  if (!config.demo.enabled) return null;
  const prefix = `rtsp://127.0.0.1:${config.demo.rtspPort}`;
  const paths = config.cameras.filter((c) => c.url.startsWith(`${prefix}/`)).map((c) => c.url.slice(prefix.length));
  if (paths.length === 0) return null;
  return startDemoCamera({ spawner, log: log.child({ module: 'demo' }), port: config.demo.rtspPort, paths: [...new Set(paths)] });
}

