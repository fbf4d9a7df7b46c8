/**
 * The stall watchdog on its own: an ffmpeg that is alive but reports nothing (hung
 * somewhere its socket timeout does not cover). A frozen camera is usually caught first by
 * ffmpeg's own RTSP timeout (test/recording.e2e.test.ts accepts either), so here the
 * "ffmpeg" is a real process that stays silent: `sleep`, spawned through the real spawner.
 * Only the pool's one timer can end its run.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner, type Spawner } from '../src/core/spawn.js';
import { RecorderPool } from '../src/recorder/recorder-pool.js';
import { tempDir, waitFor } from './helpers/daemon.js';
import { fastRecorderSettings } from './helpers/recorder-settings.js';

describe('stall watchdog', () => {
  it('stops a silent ffmpeg as stalled after the stall timeout, for every camera of the pool, and starts a new run', async () => {
    const spawned: string[] = [];
    const silentFfmpeg: Spawner = (_command, args, options) => {
      spawned.push(args.find((a) => a.startsWith('rtsp://')) ?? '?');
      return systemSpawner('sleep', ['60'], options);
    };
    // A run that never produced media has no rows, so it ends without a runEnded event;
    // what the watchdog did shows in each camera's status.
    const stalledAtMs = new Map<string, number>();
    const stallTimeoutMs = 1500;
    const pool = new RecorderPool({
      cameras: ['cam1', 'cam2'].map((id) => ({ id, name: id, url: `rtsp://127.0.0.1:9/${id}`, enabled: true, audio: 'off' as const })),
      settings: { ...fastRecorderSettings, stallTimeoutMs },
      clockStepToleranceMs: 60_000,
      recordingsDir: tempDir(),
      spawner: silentFfmpeg, clock: systemClock, log: silentLogger(),
      sink: { runStarted: () => undefined, segmentClosed: () => undefined, runEnded: () => undefined, segmentAbandoned: () => undefined },
    });
    const t0 = performance.now();
    pool.start();
    try {
      await waitFor('both cameras stalled', () => {
        for (const s of pool.statuses()) {
          if (s.state === 'stalled' && !stalledAtMs.has(s.cameraId)) {
            stalledAtMs.set(s.cameraId, performance.now() - t0);
            expect(s.lastError).toMatch(/^no media for \d+ s$/);
          }
        }
        return stalledAtMs.size === 2 ? true : undefined;
      }, 10_000, 20);
      for (const elapsedMs of stalledAtMs.values()) {
        // Not before the timeout; within it plus one tick of the pool's watchdog (the
        // heartbeat period: 1 s at this timeout) and a loaded CI box's event-loop lag.
        expect(elapsedMs).toBeGreaterThanOrEqual(stallTimeoutMs);
        expect(elapsedMs).toBeLessThan(stallTimeoutMs + 3000);
      }
      // The silent ffmpegs were stopped and each camera got a new run.
      await waitFor('restarted', () => (spawned.length >= 4 ? true : undefined), 10_000, 50);
      expect(pool.statuses().every((s) => s.restarts >= 1)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
