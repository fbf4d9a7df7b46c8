/**
 * The recording core end to end: a real daemon process, real ffmpeg, a real RTSP server
 * (GStreamer, not ours), a real SQLite file, real signals. Segment length 2 s and short
 * timeouts keep it fast; the tolerances are stated where they are asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import {
  bearer, createApiToken, ffmpegPidsMentioning, getJson, listSegmentFiles, readSegments, spawnDaemon, waitFor, writeTestConfig,
  type DaemonProcess, type SegmentRow,
} from './helpers/daemon.js';

interface Span { fromMs: number; toMs: number; from: string; to: string }
interface Coverage { runs: Span[]; gaps: (Span & { reason: string })[] }
interface CameraView { id: string; state: string; restarts: number; lastError: string | null }

/** Inside one run, segment n+1 starts exactly where n ended; runs never overlap. */
function expectChainedWithoutOverlap(rows: SegmentRow[]): void {
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1]!;
    const cur = rows[i]!;
    expect(cur.start_ms, `segment ${cur.rel_path} overlaps ${prev.rel_path}`).toBeGreaterThanOrEqual(prev.end_ms);
    if (cur.run_id === prev.run_id) expect(cur.start_ms - prev.end_ms, `hole inside run ${cur.run_id}`).toBe(0);
  }
}

/** A viewer's API token, made with `nvr token create` before the daemon starts. */
let auth: Record<string, string> = {};

async function camera(d: DaemonProcess, id: string): Promise<CameraView> {
  const base = await d.url();
  return (await getJson<CameraView>(`${base}/api/v1/cameras/${id}`, auth)).body;
}

describe('recording core (real daemon, real RTSP camera)', () => {
  let cam: TestCamera;
  let daemon: DaemonProcess;
  let dataDir: string;
  let startedMs: number;

  beforeAll(async () => {
    cam = await startTestCamera({ width: 640, height: 360, fps: 25, keyintFrames: 25 });
    const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url.replace('rtsp://', 'rtsp://officer:s3cret-pw@') }] });
    dataDir = cfg.dataDir;
    auth = bearer(createApiToken(cfg.file, 'viewer'));
    startedMs = Date.now();
    daemon = spawnDaemon(cfg.file);
    await daemon.url();
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await cam?.stop();
  });

  it('indexes closed segments with box times, chained inside a run, without overlaps', async () => {
    const rows = await waitFor('4 segments', () => { const r = readSegments(dataDir, 'cam1'); return r.length >= 4 && r; }, 40_000);
    const now = Date.now();
    expectChainedWithoutOverlap(rows);
    const first = rows[0]!;
    // Tolerance: the first frame is anchored on the box clock from ffmpeg's heartbeat; it
    // lies after the daemon started and within the connect time (< 3 s) plus 1 s.
    expect(first.start_ms).toBeGreaterThan(startedMs - 1000);
    expect(first.start_ms).toBeLessThan(startedMs + 5000);
    const last = rows[rows.length - 1]!;
    expect(last.end_ms).toBeLessThanOrEqual(now + 500);
    for (const r of rows) {
      // Wall length follows media length within the 500 ppm drift correction (+1 ms rounding).
      expect(Math.abs(r.end_ms - r.start_ms - r.media_duration_ms)).toBeLessThanOrEqual(Math.ceil(r.media_duration_ms * 0.0005) + 1);
      expect(r.size_bytes).toBeGreaterThan(10_000);
      expect(existsSync(path.join(dataDir, 'recordings', r.rel_path))).toBe(true);
    }
    // The sum of media time matches the wall time the run covered: no silent loss.
    const coveredMs = last.end_ms - first.start_ms;
    const mediaMs = rows.reduce((a, r) => a + r.media_duration_ms, 0);
    expect(Math.abs(coveredMs - mediaMs)).toBeLessThan(100);
  });

  it('never returns the camera credentials', async () => {
    const base = await daemon.url();
    const res = await fetch(`${base}/api/v1/cameras`, { headers: auth });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('cam1');
    expect(text).not.toContain('s3cret-pw');
    expect(daemon.output()).not.toContain('s3cret-pw');
  });

  it('a camera killed and brought back: recording resumes and the outage is a gap of its true length', async () => {
    await waitFor('recording', async () => (await camera(daemon, 'cam1')).state === 'recording');
    const killedAt = Date.now();
    await cam.kill();
    await waitFor('camera seen down', async () => (await camera(daemon, 'cam1')).state !== 'recording', 15_000);
    await new Promise((r) => setTimeout(r, 4000));
    await cam.restart();
    const backAt = Date.now();
    await waitFor('segments after the return', () => readSegments(dataDir, 'cam1').some((r) => r.start_ms > backAt) || null, 30_000);
    const base = await daemon.url();
    const { status, body } = await getJson<Coverage>(`${base}/api/v1/cameras/cam1/recordings?from=${startedMs - 60_000}&to=${Date.now()}`, auth);
    expect(status).toBe(200);
    const gap = body.gaps.find((g) => g.reason === 'camera-disconnected');
    expect(gap, JSON.stringify(body.gaps)).toBeDefined();
    // The gap starts where the last frame before the kill was recorded (≤ 1 GOP = 1 s
    // before the kill) and ends when footage resumed (the return + reconnect + backoff).
    expect(gap!.fromMs).toBeGreaterThan(killedAt - 2500);
    expect(gap!.fromMs).toBeLessThanOrEqual(killedAt + 500);
    expect(gap!.toMs).toBeGreaterThanOrEqual(backAt - 1000);
    expect(gap!.toMs).toBeLessThan(backAt + 6000);
    expect(new Date(gap!.from).getTime()).toBe(gap!.fromMs);
    expectChainedWithoutOverlap(readSegments(dataDir, 'cam1'));
  });

  it('a frozen camera (SIGSTOP, connection kept open) is detected as a stall and recording resumes after thaw', async () => {
    await waitFor('recording', async () => (await camera(daemon, 'cam1')).state === 'recording', 20_000);
    const before = await camera(daemon, 'cam1');
    cam.freeze();
    const frozenAt = Date.now();
    try {
      await waitFor('stall or disconnect detected', async () => (await camera(daemon, 'cam1')).state !== 'recording', 15_000, 100);
      const detectedMs = Date.now() - frozenAt;
      // ffmpeg's socket timeout is 3 s and the stall timeout 4 s: whichever fires first.
      expect(detectedMs).toBeLessThan(4000 + 4000); // + slack for a loaded 2-core box
    } finally {
      cam.thaw();
    }
    const thawedAt = Date.now();
    await waitFor('segments after the thaw', () => readSegments(dataDir, 'cam1').some((r) => r.start_ms > thawedAt) || null, 30_000);
    const after = await camera(daemon, 'cam1');
    expect(after.restarts).toBeGreaterThan(before.restarts);
    // The frozen span is a gap: ended by our stall watchdog (4 s) or ffmpeg's socket timeout.
    const base = await daemon.url();
    const { body } = await getJson<Coverage>(`${base}/api/v1/cameras/cam1/recordings?from=${frozenAt - 5000}&to=${Date.now()}`, auth);
    const gap = body.gaps.find((g) => g.fromMs >= frozenAt - 2000 && g.fromMs <= frozenAt + 1000);
    expect(gap, JSON.stringify(body.gaps)).toBeDefined();
    expect(['stalled', 'camera-disconnected']).toContain(gap!.reason);
    expectChainedWithoutOverlap(readSegments(dataDir, 'cam1'));
  });

  it('keeps index and files in agreement while running', () => {
    const rows = readSegments(dataDir, 'cam1').map((r) => r.rel_path).sort();
    const files = listSegmentFiles(dataDir);
    // Files not yet indexed may only be the segment ffmpeg is writing right now.
    const unindexed = files.filter((f) => !rows.includes(f));
    expect(unindexed.length).toBeLessThanOrEqual(1);
    expect(rows.filter((r) => !files.includes(r))).toEqual([]);
    expect(ffmpegPidsMentioning(dataDir).length).toBe(1);
  });
});
