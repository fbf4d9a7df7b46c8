/**
 * Export tests' bed: real recordings (lavfi through the recorder's own ffmpeg command
 * line, see clips-fixture.ts) indexed through the real Indexer with sealing at close, the
 * real API (auth, audit trail, holds, identity, exports) on a loopback port, and the real
 * export runner writing packages into the temp data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/api/app.js';
import { RecordingsService } from '../src/clips/recordings.js';
import type { CameraConfig } from '../src/config/types.js';
import { systemClock, type Clock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { createExports, exportsDirOf, type ExportsWiring } from '../src/exports/index.js';
import type { PackageHousekeeping } from '../src/exports/housekeeping.js';
import { emptySnapshot } from '../src/retention/snapshot.js';
import type { ExportRunner } from '../src/exports/export-runner.js';
import type { ExportService } from '../src/exports/export-service.js';
import { HoldsService } from '../src/holds/holds-service.js';
import { loadOrCreateIdentity, type BoxIdentity } from '../src/identity/box-identity.js';
import { Indexer } from '../src/indexer/indexer.js';
import { SegmentSealer } from '../src/integrity/sealer.js';
import { recordRun, type RecordedSegment, T0 } from './clips-fixture.js';
import { createAuthFixture, type AuthFixture } from './helpers/api-deps.js';

export { T0 };

export interface BedRun {
  /** Seconds after T0 where the run's media starts. */
  readonly atS: number;
  readonly seconds: number;
}

export interface ExportBed {
  readonly url: string;
  readonly fx: AuthFixture;
  readonly identity: BoxIdentity;
  readonly service: ExportService;
  readonly runner: ExportRunner;
  readonly housekeeping: PackageHousekeeping;
  readonly recordingsDir: string;
  readonly exportsDir: string;
  readonly segments: Record<string, RecordedSegment[]>;
  /** JSON request to the API with an investigator's token (or the given headers). */
  api<T = any>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Poll an export until it is done or failed. */
  finished(id: number, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export interface BedOptions {
  maxBytesPerSecond?: number;
  segmentSeconds?: number;
  /** The exports' clock (finish times, expiry); the rest of the bed runs on the system clock. */
  clock?: Clock;
  keepDays?: number;
  sleep?: ExportsWiring['sleep'];
}

export async function startExportBed(cameras: Record<string, BedRun[]>, opts: BedOptions = {}): Promise<ExportBed> {
  const fx = createAuthFixture();
  const log = silentLogger();
  const recordingsDir = path.join(fx.dir, 'recordings');
  const sealer = new SegmentSealer({ store: fx.store, recordingsDir, clock: systemClock, log });
  const indexer = new Indexer({ store: fx.store, recordingsDir, log, clock: systemClock, onSegmentIndexed: (ref) => sealer.segmentIndexed(ref) });
  const cams: CameraConfig[] = Object.keys(cameras).map((id) => ({ id, name: `Camera ${id}`, url: `rtsp://u:secret@127.0.0.1/${id}`, enabled: true, audio: 'aac' }));
  for (const c of cams) indexer.ensureCamera(c.id, c.name);
  const segments: Record<string, RecordedSegment[]> = {};
  for (const [cameraId, runs] of Object.entries(cameras)) {
    segments[cameraId] = [];
    for (const r of runs) {
      segments[cameraId]!.push(...await recordRun(indexer, { recordingsDir, cameraId, anchorMs: T0 + r.atS * 1000, seconds: r.seconds, segmentSeconds: opts.segmentSeconds ?? 4 }));
    }
  }
  await sealer.sealPending();
  const identity = loadOrCreateIdentity({ dataDir: fx.dir, clock: systemClock, log });
  const recordings = new RecordingsService({ store: fx.store });
  const holds = new HoldsService({ store: fx.store, clock: systemClock });
  const exportJobs = createExports({
    store: fx.store, clock: opts.clock ?? systemClock, log, spawner: systemSpawner, ffmpegPath: 'ffmpeg', dataDir: fx.dir, recordingsDir, recordings,
    identity, holds, audit: fx.audit, cameras: () => cams, sealPending: (cameraId) => sealer.sealPending({ cameraId }), version: 'test',
    settings: { maxRangeSeconds: 3600, maxBytesPerSecond: opts.maxBytesPerSecond ?? 0, keepDays: opts.keepDays ?? 7 },
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  });
  const { service, runner, housekeeping } = exportJobs;
  // Storage as the daemon composes it: retention's figures (none here) and the export side's.
  const watcher = { removedByHand: 0, foreignFiles: 0, recentForeign: [], watchedFolders: 0, via: 'fs.watch' as const, events: 0, error: null };
  const storage = () => ({ ...emptySnapshot(Date.now(), 72), watcher, exports: exportJobs.storage() });
  const app = buildApp({
    log, clock: systemClock, version: 'test', cameras: () => cams, recorderStatus: () => null, recordings,
    health: () => ({ status: 'ok', reasons: [] }), ...fx.deps,
    clips: { plan: () => { throw new Error('unused'); }, open: () => { throw new Error('unused'); } },
    stills: { still: () => { throw new Error('unused'); } },
    playback: { playlist: () => { throw new Error('unused'); }, segment: () => { throw new Error('unused'); } },
    holds, identity, exports: service, storage,
  } as Parameters<typeof buildApp>[0]);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  runner.start();
  const auth = fx.bearer('investigator');
  const bed: ExportBed = {
    url, fx, identity, service, runner, housekeeping, recordingsDir, exportsDir: exportsDirOf(fx.dir), segments,
    async api(method, route, body, headers = auth) {
      const res = await fetch(`${url}${route}`, {
        method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async finished(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await bed.api('GET', `/api/v1/exports/${id}`);
        if (body.state === 'done' || body.state === 'failed') return body;
        if (Date.now() > deadline) throw new Error(`export ${id} still ${body.state} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await runner.close();
      await sealer.close();
      await app.close();
      fx.close();
    },
  };
  return bed;
}

/** GET a URL into a file, optionally as a byte range; returns status and headers. */
export async function download(url: string, headers: Record<string, string>, file: string, append = false) {
  const res = await fetch(url, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (append) fs.appendFileSync(file, bytes);
  else fs.writeFileSync(file, bytes);
  return { status: res.status, headers: res.headers, bytes: bytes.length };
}
