/**
 * A step of the box's wall clock ends the run and starts a new one anchored on the new
 * clock. Real ffmpeg and a real RTSP camera; only the clock is a fake (through the Clock
 * port), since a test cannot step the machine's clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import type { RunEndedEvent, RunStartedEvent, SegmentClosedEvent } from '../src/core/types.js';
import { RecorderPool } from '../src/recorder/recorder-pool.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { tempDir, waitFor } from './helpers/daemon.js';
import { fastRecorderSettings } from './helpers/recorder-settings.js';

/** The real clock, whose wall time the test can step like NTP would. */
class SteppableClock implements Clock {
  offsetMs = 0;
  nowMs(): number { return Date.now() + this.offsetMs; }
  monotonicMs(): number { return Math.floor(performance.now()); }
}

describe('clock step', () => {
  let cam: TestCamera;
  beforeAll(async () => { cam = await startTestCamera({ width: 320, height: 240, keyintFrames: 25 }); });
  afterAll(async () => { await cam?.stop(); });

  it('ends the run as clock-step with old and new offsets, and re-anchors the next run on the new clock', async () => {
    const clock = new SteppableClock();
    const started: RunStartedEvent[] = [];
    const segments: SegmentClosedEvent[] = [];
    const ended: RunEndedEvent[] = [];
    const pool = new RecorderPool({
      cameras: [{ id: 'cam1', name: 'cam1', url: cam.url, enabled: true, audio: 'off' }],
      settings: fastRecorderSettings,
      clockStepToleranceMs: 3000,
      recordingsDir: tempDir(),
      spawner: systemSpawner, clock, log: silentLogger(),
      sink: {
        runStarted: (e) => started.push(e),
        segmentClosed: (e) => segments.push(e),
        runEnded: (e) => ended.push(e),
        segmentAbandoned: () => undefined,
      },
    });
    pool.start();
    try {
      await waitFor('two segments', () => segments.length >= 2, 30_000);
      const stepMs = 3_600_000; // the box learns it was an hour behind
      clock.offsetMs += stepMs;
      const steppedAt = clock.nowMs();
      await waitFor('run ended', () => ended.length >= 1, 10_000);
      expect(ended[0]!.reason).toBe('clock-step');
      const stepped = Number(/clock stepped by (-?\d+) ms/.exec(ended[0]!.detail ?? '')?.[1]);
      expect(Math.abs(stepped - stepMs)).toBeLessThan(100);
      expect(ended[0]!.detail).toMatch(/offset -?\d+ → -?\d+/);
      await waitFor('second run started', () => started.length >= 2, 20_000);
      const second = started[1]!;
      expect(second.runKey).not.toBe(started[0]!.runKey);
      // Anchored on the stepped clock (within the reconnect time).
      expect(second.anchorMs).toBeGreaterThan(steppedAt - 1000);
      expect(second.anchorMs).toBeLessThan(steppedAt + 5000);
      const firstRunEnd = Math.max(...segments.filter((s) => s.runKey === started[0]!.runKey).map((s) => s.endMs));
      expect(firstRunEnd).toBeLessThan(steppedAt - stepMs + 2000);
      expect(pool.status('cam1')?.restarts).toBe(0); // a re-anchor is not a failure restart
    } finally {
      await pool.close();
    }
  });
});
