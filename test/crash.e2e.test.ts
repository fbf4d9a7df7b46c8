/**
 * Power-cut behaviour of the whole daemon: `kill -9` mid-recording, then a restart.
 * Afterwards no row points at a missing file, no file is left unindexed, no ffmpeg
 * survived the kill, and the segment that was open at the kill is indexed with its true
 * (shorter) duration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { ffprobeProber } from '../src/indexer/probe.js';
import {
  ffmpegPidsMentioning, listSegmentFiles, readSegments, spawnDaemon, waitFor, writeTestConfig,
} from './helpers/daemon.js';
import path from 'node:path';

describe('daemon killed with -9 mid-recording', () => {
  let cam: TestCamera;

  beforeAll(async () => {
    cam = await startTestCamera({ width: 640, height: 360, fps: 25, keyintFrames: 25 });
  });
  afterAll(async () => { await cam?.stop(); });

  it('leaves no orphan ffmpeg, and the restart reconciles rows and files exactly', async () => {
    // 6 s segments so the kill lands inside an open segment that has several fragments.
    const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url }], segmentSeconds: 6 });
    const first = spawnDaemon(cfg.file);
    await first.url();
    await waitFor('2 segments', () => readSegments(cfg.dataDir).length >= 2, 40_000);
    await new Promise((r) => setTimeout(r, 3000)); // well inside the next segment
    expect(ffmpegPidsMentioning(cfg.dataDir).length).toBe(1);
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;
    // The kernel signals ffmpeg through the parent-death signal at once.
    await waitFor('ffmpeg to die with the daemon', () => ffmpegPidsMentioning(cfg.dataDir).length === 0, 5000, 50);

    const rowsBefore = readSegments(cfg.dataDir).map((r) => r.rel_path);
    const filesAtCrash = listSegmentFiles(cfg.dataDir);
    const unindexedAtCrash = filesAtCrash.filter((f) => !rowsBefore.includes(f));
    expect(unindexedAtCrash.length).toBeLessThanOrEqual(1);

    const second = spawnDaemon(cfg.file);
    try {
      await second.url();
      const rows = readSegments(cfg.dataDir);
      const files = listSegmentFiles(cfg.dataDir);
      const rowPaths = rows.map((r) => r.rel_path);
      // Invariants right after start-up reconciliation (new recording may add files, but
      // every file that existed at the crash is indexed now).
      for (const f of filesAtCrash) expect(rowPaths, `unindexed ${f}`).toContain(f);
      for (const r of rowPaths) expect(files, `row without file ${r}`).toContain(r);
      // The segment that was open at the kill: indexed with its true duration, which ends
      // within one keyframe interval (1 s) before the kill.
      for (const rel of unindexedAtCrash) {
        const row = rows.find((r) => r.rel_path === rel)!;
        // The playable length from whole video packets (format.duration overstates a file
        // cut inside a fragment).
        const probed = await ffprobeProber().probe(path.join(cfg.dataDir, 'recordings', rel));
        expect(probed).not.toBeNull();
        expect(Math.abs(row.media_duration_ms - probed!.durationMs)).toBeLessThanOrEqual(100);
        expect(row.media_duration_ms).toBeGreaterThan(1000);
        expect(row.end_ms).toBeGreaterThan(killedAt - 2000);
        expect(row.end_ms).toBeLessThanOrEqual(killedAt + 500);
      }
      // Recording resumed in a new run.
      await waitFor('a new segment after restart', () => readSegments(cfg.dataDir).length > rows.length, 30_000);
    } finally {
      second.child.kill('SIGTERM');
      const { code } = await second.exited;
      expect(code).toBe(0);
    }
    expect(ffmpegPidsMentioning(cfg.dataDir)).toEqual([]);
    // After a graceful stop every file has a row and every row a file.
    const finalRows = readSegments(cfg.dataDir).map((r) => r.rel_path).sort();
    expect(listSegmentFiles(cfg.dataDir)).toEqual(finalRows);
  });
});
