/**
 * Evidence exports as the daemon wires them: the service the api calls, the runner that
 * builds packages in the background (started once HTTP is up, closed first at shutdown:
 * an interrupted job resumes at the next start) and deletes expired ones, and the figures
 * the storage report shows (the bytes packages hold).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AuditEntry } from '../audit/types.js';
import { ClipService } from '../clips/clip-service.js';
import { SegmentIndexCache } from '../clips/index-cache.js';
import type { RecordingsService } from '../clips/recordings.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import type { BoxIdentity } from '../identity/box-identity.js';
import type { Store } from '../store/db.js';
import { standaloneVerifierFile } from '../verify/verify.js';
import { cameraFactsOf, type CameraLike } from './camera-facts.js';
import { ExportRunner, type RunnerDeps } from './export-runner.js';
import { ExportService, type HoldsPort } from './export-service.js';
import { PackageHousekeeping, type ExportsStorage } from './housekeeping.js';

export interface ExportsWiring {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly spawner: Spawner;
  readonly ffmpegPath: string;
  readonly dataDir: string;
  readonly recordingsDir: string;
  readonly recordings: RecordingsService;
  readonly identity: BoxIdentity;
  readonly holds: HoldsPort;
  readonly audit: { append(entry: AuditEntry): void };
  readonly cameras: () => readonly CameraLike[];
  readonly sealPending: (cameraId: string) => Promise<unknown>;
  readonly version: string;
  /** config.exports; without keepDays packages are kept until deleted by hand (benches). */
  readonly settings: { readonly maxRangeSeconds: number; readonly maxBytesPerSecond: number; readonly keepDays?: number };
  /** Tests only: the runner's sleep port and housekeeping period. */
  readonly sleep?: RunnerDeps['sleep'];
  readonly housekeepingEveryMs?: number;
}

export interface Exports {
  readonly service: ExportService;
  readonly runner: ExportRunner;
  readonly housekeeping: PackageHousekeeping;
  /** Packages on disk and expiry counters, for GET /api/v1/storage. */
  readonly storage: () => ExportsStorage;
}

export function exportsDirOf(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

export function createExports(w: ExportsWiring): Exports {
  const exportsDir = exportsDirOf(w.dataDir);
  mkdirSync(exportsDir, { recursive: true, mode: 0o750 });
  const maxRangeMs = w.settings.maxRangeSeconds * 1000;
  // Its own clip service: exports may be longer than an interactive clip (clips.maxClipSeconds).
  const clips = new ClipService({
    recordings: w.recordings, recordingsDir: w.recordingsDir, cache: new SegmentIndexCache(1024), spawner: w.spawner,
    ffmpegPath: w.ffmpegPath, maxClipMs: maxRangeMs, log: w.log,
  });
  const housekeeping = new PackageHousekeeping({ store: w.store, clock: w.clock, log: w.log, audit: w.audit, exportsDir, keepDays: w.settings.keepDays ?? 0 });
  const runner = new ExportRunner({
    store: w.store, clips, recordings: w.recordings, identity: w.identity, sealPending: w.sealPending,
    cameraFacts: cameraFactsOf(w.cameras, (id) => w.store.cameras.get(id)?.name ?? null),
    recordingsDir: w.recordingsDir, exportsDir, verifierFile: standaloneVerifierFile, version: w.version, clock: w.clock,
    audit: w.audit, log: w.log, bytesPerSecond: w.settings.maxBytesPerSecond, housekeeping,
    ...(w.sleep ? { sleep: w.sleep } : {}), ...(w.housekeepingEveryMs ? { housekeepingEveryMs: w.housekeepingEveryMs } : {}),
  });
  const service = new ExportService({
    store: w.store, clock: w.clock, holds: w.holds, exportsDir, maxRangeMs, kick: () => runner.kick(),
    hasFootage: (id, fromMs, toMs) => w.recordings.coverage(id, fromMs, toMs).runs.length > 0,
  });
  return { service, runner, housekeeping, storage: () => housekeeping.storage() };
}
