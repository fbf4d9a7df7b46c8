/**
 * The cameras module put together for the daemon: credential vault, registry (config file
 * + stored cameras), ONVIF client, discovery, health checks, admin service and the config
 * watcher. The daemon calls createCameras() after the index opens, follow() once the
 * recorder pool exists, startBackground() once HTTP answers, and close() first at stop.
 */
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import type { CameraSpec } from '../core/types.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { systemInterfaces, type InterfaceLister } from '../discovery/interfaces.js';
import { OnvifLibClient } from '../discovery/onvif-lib-client.js';
import { DiscoveryService } from '../discovery/scan.js';
import type { OnvifClient } from '../discovery/types.js';
import { CameraAdmin } from './admin.js';
import { ConfigWatcher } from './config-watcher.js';
import { CredentialVault, credentialsFileName } from './credential-vault.js';
import { cameraDiscovery } from './found-devices.js';
import { HealthChecker } from './health-check.js';
import { recordedStreamFacts, type LatestSegmentPort } from './recorded-stream-facts.js';
import { CameraRegistry, type CameraStorePort } from './registry.js';
import { ffprobeStreamProber, type StreamProber } from './stream-probe.js';
import type { RegisteredCamera } from './types.js';

export interface CamerasWiringDeps {
  readonly config: Config;
  /** The config file to watch; null when the daemon runs on the embedded default. */
  readonly configFile: string | null;
  readonly store: CameraStorePort;
  readonly transaction: <T>(fn: () => T) => T;
  readonly clock: Clock;
  readonly spawner: Spawner;
  readonly log: Logger;
  /** Test seams; the real ONVIF client, interfaces and ffprobe otherwise. */
  readonly onvif?: OnvifClient;
  readonly interfaces?: InterfaceLister;
  readonly prober?: StreamProber;
  /**
   * The camera's newest recorded segment (from the index); with it, start-up health
   * cards are read from recordings instead of a second RTSP session per camera.
   */
  readonly latestSegment?: LatestSegmentPort;
}

/** Who follows camera changes: the indexer (a row per camera) and the recorder pool. */
export interface CameraFollowers {
  ensureCamera(id: string, name: string): void;
  apply(cameras: readonly CameraSpec[]): Promise<unknown>;
}

export function createCameras(deps: CamerasWiringDeps) {
  const { config, clock, log } = deps;
  const vault = new CredentialVault(path.join(config.storage.dataDir, credentialsFileName), log.child({ module: 'credentials' }));
  const registry = new CameraRegistry({ store: deps.store, transaction: deps.transaction, vault, log: log.child({ module: 'cameras' }), configCameras: config.cameras });
  registry.load();
  const onvif = deps.onvif ?? new OnvifLibClient();
  const settings = { streamProbeSeconds: config.discovery.streamProbeSeconds, requestTimeoutMs: config.discovery.requestTimeoutMs };
  const cardLog = log.child({ module: 'health-card' });
  // The first segment closes within one segment length; a short first one (fewer than two keyframes) waits for the next.
  const recorded = deps.latestSegment && recordedStreamFacts({
    latestSegment: deps.latestSegment, spawner: deps.spawner, ffprobePath: config.recorder.ffprobePath, clock, log: cardLog,
    waitMs: (2 * config.storage.segmentSeconds + 30) * 1000,
  });
  const checker = new HealthChecker({
    registry, onvif, prober: deps.prober ?? ffprobeStreamProber(deps.spawner, config.recorder.ffprobePath), clock, log: cardLog, settings,
    ...(recorded ? { recorded } : {}),
  });
  let applied: Promise<unknown> = Promise.resolve();
  const admin = new CameraAdmin({ registry, onvif, checker, clock, log: log.child({ module: 'cameras' }), requestTimeoutMs: settings.requestTimeoutMs, settle: () => applied });
  const scanner = new DiscoveryService({ client: onvif, interfaces: deps.interfaces ?? systemInterfaces, settings: config.discovery, log: log.child({ module: 'discovery' }) });
  const watcher = deps.configFile === null ? null : new ConfigWatcher({
    file: deps.configFile, initial: config, log: log.child({ module: 'config-watch' }),
    load: () => loadConfig({ file: deps.configFile! }),
    onCameras: (cameras) => registry.setConfigCameras(cameras),
  });

  return {
    registry,
    admin,
    discovery: cameraDiscovery(registry, scanner),
    /** Every later change of the camera set reaches the indexer, then the recorders. */
    follow(followers: CameraFollowers): void {
      registry.onChange((cameras: readonly RegisteredCamera[]) => {
        for (const c of cameras) followers.ensureCamera(c.id, c.name);
        applied = followers.apply(cameras);
        // A camera added or changed in the file gets its card once it records.
        void applied.then(() => checker.checkMissing());
      });
    },
    /** Config watch and the start-up health checks (not awaited: they take seconds per camera). */
    async startBackground(): Promise<void> {
      await watcher?.start();
      void checker.checkMissing();
    },
    async close(): Promise<void> {
      checker.close();
      await watcher?.close();
    },
  };
}
