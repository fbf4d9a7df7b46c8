/**
 * Footage for retention tests without a camera: real files of a given size under
 * recordings/ and their rows written through the real indexer (the same events the
 * recorder sends), so runs, segments and the per-camera totals are what production has.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { makeRunKey, runFolder, type StreamInfo } from '../../src/core/types.js';
import { Indexer } from '../../src/indexer/indexer.js';
import type { Store } from '../../src/store/db.js';

const stream: StreamInfo = { videoCodec: 'h264', width: 640, height: 360, fps: 25, audioCodec: null };

export interface SeedOptions {
  store: Store;
  recordingsDir: string;
  clock: Clock;
  cameraId: string;
  startMs: number;
  count: number;
  segmentMs: number;
  sizeBytes: number;
}

/** One run of `count` chained segments; returns their relative paths, oldest first. */
export function seedRun(o: SeedOptions): string[] {
  const indexer = new Indexer({ store: o.store, recordingsDir: o.recordingsDir, log: silentLogger(), clock: o.clock });
  const runKey = makeRunKey(o.startMs);
  const folder = runFolder(o.cameraId, o.startMs);
  fs.mkdirSync(path.join(o.recordingsDir, folder), { recursive: true });
  indexer.onRunStarted({ cameraId: o.cameraId, runKey, anchorMs: o.startMs, spawnedAtMs: o.startMs, stream });
  const out: string[] = [];
  const data = Buffer.alloc(o.sizeBytes, 0x47);
  for (let seq = 1; seq <= o.count; seq++) {
    const relPath = `${folder}/${runKey}-${String(seq).padStart(6, '0')}.mp4`;
    fs.writeFileSync(path.join(o.recordingsDir, relPath), data);
    const startMs = o.startMs + (seq - 1) * o.segmentMs;
    indexer.onSegmentClosed({
      cameraId: o.cameraId, runKey, seq, relPath, startMs, endMs: startMs + o.segmentMs, mediaDurationMs: o.segmentMs,
      observedCloseMs: startMs + o.segmentMs, sizeBytes: o.sizeBytes, stream,
    });
    out.push(relPath);
  }
  indexer.onRunEnded({ cameraId: o.cameraId, runKey, endedAtMs: o.startMs + o.count * o.segmentMs, reason: 'stopped', detail: null });
  return out;
}

/** Every .mp4 under the recordings root, relative, sorted. */
export function filesUnder(recordingsDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(recordingsDir, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith('.mp4')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}
