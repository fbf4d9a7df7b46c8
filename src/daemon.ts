/**
 * Wires the modules and owns the start and shutdown order (docs/design.md):
 * start: data dir + lock → index (migrations) → box identity (key pair) → camera registry
 *        (config file + stored cameras) → finish leftover garbage → reconcile files and rows
 *        → users and audit trail (first admin) → demo camera → retention (one pass) and the
 *        recordings watcher → recorders → HTTP → config watcher and camera health checks →
 *        integrity background check and export runner (resumes interrupted exports,
 *        deletes packages past exports.keepDays, then hourly) → warm
 *        still ffmpegs.
 * stop:  config watcher and health checks → HTTP → warm still ffmpegs → export runner (a
 *        job in progress resumes next start) → integrity check → live view (its ffmpegs) →
 *        retention and watcher → recorders (each ffmpeg closes its segment, which is
 *        indexed) → sealing of those last segments → demo camera → index.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { RecordingsService } from './clips/recordings.js';
import { createFootageServices } from './clips/footage.js';
import type { CameraConfig, Config } from './config/types.js';
import { systemClock, type Clock } from './core/clock.js';
import { createLogger, type Logger } from './core/logger.js';
import { systemSpawner, hasParentDeathSignal, type Spawner } from './core/spawn.js';
import { startDemoCamera, type DemoCamera } from './demo/demo-camera.js';
import { Appliance, type ApplianceDeps } from './system/appliance.js';
import { stuckAfterMs } from './system/liveness.js';
import { Indexer } from './indexer/indexer.js';
import { ffprobeProber, type Prober } from './indexer/probe.js';
import { reconcile } from './indexer/reconcile.js';
import { RecorderPool } from './recorder/recorder-pool.js';
import { openStore, type Store } from './store/db.js';
import { acquireDataDirLock } from './core/lock.js';
import { dataPaths } from './core/paths.js';
import { version } from './core/version.js';
import { AuditTrail } from './audit/audit-trail.js';
import { createAuth } from './auth/index.js';
import { ensureInitialAdmin } from './auth/initial-admin.js';
import { HoldsService } from './holds/holds-service.js';
import { loadOrCreateIdentity } from './identity/box-identity.js';
import { createIntegrity } from './integrity/index.js';
import { createExports } from './exports/index.js';
import { statfsDisk } from './retention/disk.js';
import { FilesWatcher } from './retention/files-watcher.js';
import { storageFindings } from './retention/health-check.js';
import { finishGarbage, Retention } from './retention/retention.js';
import { createCameras } from './cameras/wiring.js';
import type { LatestSegmentPort } from './cameras/recorded-stream-facts.js';
import { LiveHub } from './live/live-hub.js';
import { defaultWebRoot } from './api/routes/web.js';

export interface DaemonOptions {
  clock?: Clock;
  spawner?: Spawner;
  log?: Logger;
  prober?: Prober;
  /** Listen for HTTP (default true); tests may use the returned app with inject. */
  listen?: boolean;
  /** The config file the daemon was started with: watched, its camera edits apply live. */
  configFile?: string;
  /** systemd environment, clock-sync source, clock floor, loop period (tests inject these). */
  system?: Partial<Pick<ApplianceDeps, 'env' | 'readClockSync' | 'floorMs' | 'periodMs' | 'processMetrics'>>;
}

export interface Daemon {
  readonly app: FastifyInstance;
  readonly pool: RecorderPool;
  /** systemd notifications, clock guard, clock sync, health and metrics. */
  readonly appliance: Appliance;
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
  // The key that signs exports (made on first start) and the per-camera hash chains.
  const identity = loadOrCreateIdentity({ dataDir: paths.dataDir, clock, log: log.child({ module: 'identity' }) });
  const integrity = createIntegrity({ store, recordingsDir: paths.recordingsDir, clock, log: log.child({ module: 'integrity' }), settings: config.integrity });
  const prober = opts.prober ?? ffprobeProber(config.recorder.ffprobePath);
  const indexer = new Indexer({ store, recordingsDir: paths.recordingsDir, quarantineDir: paths.quarantineDir, prober, log: log.child({ module: 'indexer' }), clock, onSegmentIndexed: integrity.onSegmentIndexed ?? undefined });
  // The single truth of which cameras exist: config file + cameras stored through the API.
  const cameras = createCameras({
    config, configFile: opts.configFile ?? null, store: store.cameras.stored, transaction: (fn) => store.transaction(fn), clock, spawner, log,
    latestSegment: latestSegment(store, paths.recordingsDir),
  });
  for (const camera of cameras.registry.list()) indexer.ensureCamera(camera.id, camera.name);
  // Deletions a crash interrupted are finished first, so reconciliation never re-indexes them.
  await finishGarbage({ store, recordingsDir: paths.recordingsDir, log: log.child({ module: 'retention' }), clock });
  const report = await reconcile({
    store, recordingsDir: paths.recordingsDir, quarantineDir: paths.quarantineDir, probe: prober, log: log.child({ module: 'reconcile' }), clock,
    isGarbage: (relPath) => store.garbage.has(relPath),
  });
  log.info({ report }, 'index reconciled with files');
  const { audit, auth } = await startAccessControl(store, paths.dataDir, clock, log);

  const appliance = new Appliance({
    clock, spawner, store, log: log.child({ module: 'system' }), dataDir: paths.dataDir, version,
    stuckAfterMs: stuckAfterMs({ stallTimeoutMs: config.recorder.stallTimeoutSeconds * 1000, stopTimeoutMs: config.recorder.stopTimeoutMs, restartBackoffMaxMs: config.recorder.restartBackoffMaxMs }),
    cameraDownGraceMs: 120_000,
    ...opts.system,
  });
  // Retention and disk checks go here: appliance.healthChecks.push((nowMs) => finding | null).
  appliance.healthChecks.push(() => integrity.verifier.healthFindings());

  const demo = await maybeStartDemo(config, spawner, log);
  const pool = new RecorderPool({
    cameras: cameras.registry.list(),
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
    sink: appliance.sink(indexer),
  });
  cameras.follow({ ensureCamera: (id, name) => indexer.ensureCamera(id, name), apply: (list) => pool.apply(list) });
  const { retention, watcher } = await startRetention(config, { store, clock, log, pool, indexer, appliance, recordingsDir: paths.recordingsDir, cameras: () => cameras.registry.list(), spawner });
  // Held (nothing recorded, critical alarm) while the clock is before this build.
  await appliance.startRecorders(pool);

  const recordings = new RecordingsService({ store });
  const footage = createFootageServices({
    recordings, recordingsDir: paths.recordingsDir, spawner, ffmpegPath: config.recorder.ffmpegPath, log: log.child({ module: 'clips' }), settings: config.clips,
  });
  const holds = new HoldsService({ store, clock });
  const exportJobs = createExports({
    store, clock, log: log.child({ module: 'exports' }), spawner, ffmpegPath: config.recorder.ffmpegPath, dataDir: paths.dataDir,
    recordingsDir: paths.recordingsDir, recordings, identity, holds, audit, cameras: () => cameras.registry.list(),
    sealPending: (cameraId) => integrity.sealer.sealPending({ cameraId }), version, settings: config.exports,
  });
  // Live view: one stream-copy ffmpeg per watched camera stream, shared by its viewers.
  const live = new LiveHub({
    spawner, log: log.child({ module: 'live' }),
    settings: { ffmpegPath: config.recorder.ffmpegPath, rtspTimeoutSeconds: config.recorder.rtspTimeoutSeconds },
  });
  const app = buildApp({
    log: log.child({ module: 'api' }),
    clock,
    version,
    cameras: () => cameras.registry.list(),
    cameraAdmin: cameras.admin,
    discovery: cameras.discovery,
    recorderStatus: (id) => pool.status(id),
    recordings,
    ...footage,
    audit,
    auditLog: audit,
    auth,
    health: () => appliance.health(),
    metrics: appliance.metrics,
    holds,
    identity,
    exports: exportJobs.service,
    storage: () => ({ ...retention.snapshot(), watcher: watcher.stats(), exports: exportJobs.storage() }),
    live,
    webRoot: defaultWebRoot,
  });
  let closing: Promise<void> | null = null;
  const close = (reason = 'shutdown') => (closing ??= (async () => {
    log.info({ reason }, 'shutting down: http, recorders, index');
    await appliance.stopping();
    await cameras.close();
    await app.close();
    await footage.stills.close();
    await exportJobs.runner.close();
    await integrity.verifier.close();
    await live.close();
    log.info('http and live view closed');
    await retention.close();
    await watcher.close();
    await pool.close();
    await indexer.drain();
    await integrity.sealer.close();
    log.info({ sealing: integrity.sealer.stats() }, 'integrity: segments sealed since start and what hashing cost');
    log.info('recorders stopped and their last segments indexed');
    await demo?.close();
    store.close();
    log.info('index closed');
    lock.release();
    log.info('stopped');
  })());

  let url: string | null = null;
  try {
    if (opts.listen !== false) {
      url = await app.listen({ host: config.server.host, port: config.server.port });
      log.info({ url, cameras: cameras.registry.list().length, dataDir: paths.dataDir }, 'nvr listening');
    } else {
      await app.ready();
    }
    await cameras.startBackground();
    // READY=1 only now: recorders started (or held by the clock guard) and HTTP answering.
    await appliance.ready();
    // Low priority, after everything that records or answers is up.
    integrity.verifier.start();
    exportJobs.runner.start();
    footage.stills.start();
  } catch (err) {
    // A start that fails once recorders run (the HTTP port taken by another service, most
    // often) stops what started, so the process ends and systemd's Restart= retries;
    // left running it would record without READY, and systemd would kill it at the timeout.
    await close('start failed').catch((e: unknown) => log.error({ err: (e as Error).message }, 'cleanup after a failed start'));
    throw err;
  }
  return { app, pool, appliance, url, close };
}

interface RetentionWiring {
  store: Store;
  clock: Clock;
  log: Logger;
  pool: RecorderPool;
  indexer: Indexer;
  appliance: Appliance;
  recordingsDir: string;
  cameras: () => readonly CameraConfig[];
  spawner: Spawner;
}

/**
 * Retention (one pass before recording starts, so a disk that filled while the box was
 * off is relieved first, then every checkSeconds) and the recordings watcher.
 */
async function startRetention(config: Config, w: RetentionWiring): Promise<{ retention: Retention; watcher: FilesWatcher }> {
  const { retention: r } = config;
  const retention = new Retention({
    store: w.store, recordingsDir: w.recordingsDir, reserveFile: path.join(config.storage.dataDir, 'reserve.bin'),
    disk: statfsDisk(w.recordingsDir), clock: w.clock, log: w.log.child({ module: 'retention' }),
    settings: { ...r, checkIntervalMs: r.checkSeconds * 1000 },
    cameras: w.cameras,
    recording: w.pool,
    metrics: w.appliance.metrics,
    afterPass: () => w.indexer.replayFailedWrites(),
  });
  w.appliance.healthChecks.push(() => storageFindings(retention.snapshot()));
  w.appliance.metrics.setDiskSource(() => {
    const s = retention.snapshot();
    if (s.totalBytes === null || s.availableBytes === null) return null;
    return { freeBytes: s.availableBytes, totalBytes: s.totalBytes, projectedDays: s.recordableHours === null ? null : s.recordableHours / 24 };
  });
  await retention.tick();
  retention.start();
  // A new file waits this long for its run row before it counts as foreign.
  const graceMs = Math.max(60_000, 3 * config.storage.segmentSeconds * 1000);
  const watcher = new FilesWatcher({ store: w.store, recordingsDir: w.recordingsDir, log: w.log.child({ module: 'watcher' }), graceMs, treeWatch: { spawner: w.spawner } });
  // Not awaited: chokidar reads the whole tree first, which must not delay recording.
  void watcher.start().catch((err: unknown) => w.log.error({ err: (err as Error).message }, 'recordings watcher did not start'));
  return { retention, watcher };
}

/** Users, tokens and the audit trail; a first start creates the 'admin' user. */
async function startAccessControl(store: Store, dataDir: string, clock: Clock, log: Logger) {
  const audit = new AuditTrail({ repo: store.audit, clock, log: log.child({ module: 'audit' }) });
  const auth = createAuth({ store, clock });
  if (await ensureInitialAdmin(auth.accounts, dataDir, log.child({ module: 'auth' }))) {
    audit.append({ actor: 'system', address: 'local', action: 'user.create', result: 'ok', detail: "initial admin 'admin'" });
  }
  // Written down by journald at every start: a later rebuilt chain would not match it.
  log.info({ head: store.audit.head() ?? null }, 'audit trail head');
  return { audit, auth };
}

/** A camera's newest segment closed since `sinceMs`, with its run's stream info: start-up health cards read it, not the camera. */
function latestSegment(store: Store, recordingsDir: string): LatestSegmentPort {
  return (cameraId, sinceMs) => {
    const seg = store.segments.last(cameraId);
    if (!seg || seg.observedCloseMs === null || seg.observedCloseMs < sinceMs) return null;
    const run = store.runs.getById(seg.runId);
    return {
      file: path.join(recordingsDir, seg.relPath), mediaDurationMs: seg.mediaDurationMs, declaredFps: run?.fps ?? null, sourceAudioCodec: run?.audioCodec ?? null,
      // While its run goes on, a closed segment was cut where the next keyframe came.
      endsBeforeKeyframe: run !== undefined && run.endReason === null,
    };
  };
}

async function maybeStartDemo(config: Config, spawner: Spawner, log: Logger): Promise<DemoCamera | null> {
  if (!config.demo.enabled) return null;
  const prefix = `rtsp://127.0.0.1:${config.demo.rtspPort}`;
  const paths = config.cameras.filter((c) => c.url.startsWith(`${prefix}/`)).map((c) => c.url.slice(prefix.length));
  if (paths.length === 0) return null;
  return startDemoCamera({ spawner, log: log.child({ module: 'demo' }), port: config.demo.rtspPort, paths: [...new Set(paths)] });
}

