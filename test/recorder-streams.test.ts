/**
 * What cheap cameras send must never make a recording fail: G.711 audio (MP4 cannot hold
 * it) is converted to AAC, and H.265 is stream-copied. Real ffmpeg, real RTSP cameras.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import type { AudioMode, SegmentClosedEvent } from '../src/core/types.js';
import { RecorderPool } from '../src/recorder/recorder-pool.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { ffprobeJson } from './helpers/ffprobe.js';
import { tempDir, waitFor } from './helpers/daemon.js';
import { fastRecorderSettings } from './helpers/recorder-settings.js';

let cam: TestCamera | null = null;
let pool: RecorderPool | null = null;
afterEach(async () => { await pool?.close(); await cam?.stop(); pool = null; cam = null; });

async function recordTwoSegments(url: string, audio: AudioMode): Promise<{ dir: string; segments: SegmentClosedEvent[] }> {
  const dir = tempDir();
  const segments: SegmentClosedEvent[] = [];
  pool = new RecorderPool({
    cameras: [{ id: 'cam1', name: 'cam1', url, enabled: true, audio }],
    settings: fastRecorderSettings,
    clockStepToleranceMs: 3000, recordingsDir: dir, spawner: systemSpawner, clock: systemClock, log: silentLogger(),
    sink: { runStarted: () => undefined, segmentClosed: (e) => segments.push(e), runEnded: () => undefined, segmentAbandoned: () => undefined },
  });
  pool.start();
  await waitFor('two segments', () => segments.length >= 2, 30_000);
  return { dir, segments };
}

describe('camera streams', () => {
  it('converts G.711 (mu-law) audio to AAC and copies the video', async () => {
    cam = await startTestCamera({ width: 320, height: 240, audio: 'pcmu', keyintFrames: 25 });
    const { dir, segments } = await recordTwoSegments(cam.url, 'aac');
    const info = await ffprobeJson(path.join(dir, segments[0]!.relPath));
    const codecs = (info.streams ?? []).map((s) => s.codec_name);
    expect(codecs).toEqual(['h264', 'aac']);
    expect(segments[0]!.stream.audioCodec).toBe('pcm_mulaw');
    expect(pool!.status('cam1')?.state).toBe('recording');
  });

  it('drops audio when configured off', async () => {
    cam = await startTestCamera({ width: 320, height: 240, audio: 'pcma', keyintFrames: 25 });
    const { dir, segments } = await recordTwoSegments(cam.url, 'off');
    const info = await ffprobeJson(path.join(dir, segments[0]!.relPath));
    expect((info.streams ?? []).map((s) => s.codec_type)).toEqual(['video']);
  });

  it('records H.265 by stream copy', async () => {
    cam = await startTestCamera({ width: 320, height: 240, codec: 'h265', keyintFrames: 25 });
    const { dir, segments } = await recordTwoSegments(cam.url, 'aac');
    const info = await ffprobeJson(path.join(dir, segments[0]!.relPath));
    expect(info.streams?.[0]?.codec_name).toBe('hevc');
    expect(segments[0]!.stream.videoCodec).toBe('hevc');
  });
});
