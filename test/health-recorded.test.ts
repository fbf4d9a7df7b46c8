/**
 * Health-card stream facts read from recorded segments (recorded-stream-facts.ts) and the
 * checker's fallback to RTSP: real fragmented-MP4 files made by ffmpeg (lavfi sources,
 * the recorder's own segment muxer options), a real RTSP test camera (GStreamer), real
 * ffprobe, a real SQLite index behind the camera registry. The daemon-level proof that
 * start-up opens no extra RTSP session is health-recorded.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthChecker } from '../src/cameras/health-check.js';
import { recordedStreamFacts, type RecordedSegmentRef } from '../src/cameras/recorded-stream-facts.js';
import { ffprobeStreamProber, streamFacts } from '../src/cameras/stream-probe.js';
import { createCameras } from '../src/cameras/wiring.js';
import { loadConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { OnvifLibClient } from '../src/discovery/onvif-lib-client.js';
import { openStore, type Store } from '../src/store/db.js';
import { tempDir } from './helpers/daemon.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';

const dir = tempDir('nvr-health-rec-');
const log = silentLogger();
const fragmented = 'movflags=+frag_keyframe+empty_moov+default_base_moof';

/** A segment as the recorder writes it: H.264 copied, audio as AAC, fragmented MP4 cut at keyframes. */
function segment(name: string, seconds: number, gopFrames: number, fps = 25): string {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x180:rate=${fps}`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gopFrames), '-keyint_min', String(gopFrames), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '32k', '-f', 'mp4', '-movflags', fragmented.slice('movflags='.length), '-y', file,
  ]);
  return file;
}

const ref = (file: string, over: Partial<RecordedSegmentRef> = {}): RecordedSegmentRef => ({ file, mediaDurationMs: 6000, declaredFps: 25, sourceAudioCodec: 'pcm_mulaw', endsBeforeKeyframe: false, ...over });
const source = (latest: (id: string, sinceMs: number) => RecordedSegmentRef | null, waitMs = 5000) =>
  recordedStreamFacts({ latestSegment: latest, spawner: systemSpawner, ffprobePath: 'ffprobe', clock: systemClock, log, waitMs, pollMs: 50 });
const never = new AbortController().signal;

describe('stream facts from a recorded segment', () => {
  it('reads codec, size, frame rate and keyframe spacing from the file; the G.711 source codec and declared fps from the run', async () => {
    const file = segment('gop2.mp4', 6, 50);
    const facts = await source(() => ref(file))('cam', 0, never);
    expect(facts).toMatchObject({ videoCodec: 'h264', width: 320, height: 180, declaredFps: 25, measuredFps: 25, keyframeIntervalMs: 2000, keyframeIntervalIsLowerBound: false, audioCodec: 'pcm_mulaw', probeSeconds: 6 });
    // The file itself holds AAC: the flag comes from the source's codec, as the recorder saw it.
    const fileAudio = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
    expect(fileAudio).toBe('aac');
    // A run that saw no audio codec leaves the file's.
    expect((await source(() => ref(file, { sourceAudioCodec: null, declaredFps: null }))('cam', 0, never))?.audioCodec).toBe('aac');
  });

  it('a first segment with a single keyframe is only a lower bound: the next segment is awaited and used', async () => {
    const short = segment('short.mp4', 1.5, 50);
    const full = segment('full.mp4', 8, 100);
    let calls = 0;
    const facts = await source(() => (++calls < 4 ? ref(short) : ref(full)))('cam', 0, never);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(facts).toMatchObject({ keyframeIntervalMs: 4000, keyframeIntervalIsLowerBound: false });
  });

  it('a single-GOP file cut where the next keyframe came gives the exact spacing; a run\'s last file only a lower bound', async () => {
    const oneGop = segment('one-gop.mp4', 2, 50);
    expect(await source(() => ref(oneGop, { endsBeforeKeyframe: true }))('cam', 0, never)).toMatchObject({ keyframeIntervalMs: 2000, keyframeIntervalIsLowerBound: false, measuredFps: 25 });
    expect(await source(() => ref(oneGop), 300)('cam', 0, never)).toMatchObject({ keyframeIntervalMs: 1960, keyframeIntervalIsLowerBound: true });
  });

  it('keeps the lower bound when no better segment comes in time; null when no segment comes at all', async () => {
    const short = segment('short2.mp4', 1.5, 50);
    const lower = await source(() => ref(short), 400)('cam', 0, never);
    expect(lower).toMatchObject({ keyframeIntervalIsLowerBound: true, keyframeIntervalMs: 1480 });
    const started = Date.now();
    expect(await source(() => null, 400)('cam', 0, never)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('asks only for segments closed since the given time, and stops waiting when aborted', async () => {
    const seen: number[] = [];
    const abort = new AbortController();
    const job = source((_id, sinceMs) => { seen.push(sinceMs); return null; }, 60_000)('cam', 1234, abort.signal);
    await new Promise((r) => setTimeout(r, 200));
    const t = Date.now();
    abort.abort();
    expect(await job).toBeNull();
    expect(Date.now() - t).toBeLessThan(200);
    expect(new Set(seen)).toEqual(new Set([1234]));
  });
});

describe('packet times of a run\'s first segment', () => {
  const video = { index: 0, codec_type: 'video', codec_name: 'h264', width: 640, height: 360, r_frame_rate: '25/1' };
  // As measured on the recorder's first segment: video at 0, then everything 134 ms later.
  const packets = (shiftS: number) => Array.from({ length: 150 }, (_, i) => {
    const t = (i === 0 ? 0 : shiftS + i * 0.04).toFixed(6);
    return { stream_index: 0, flags: i % 50 === 0 ? 'K_' : '__', pts_time: t, dts_time: t };
  });

  it('a first time clamped to 0 is placed one frame before the next, so the first GOP is not stretched', () => {
    expect(streamFacts({ streams: [video], packets: packets(0.134) }, 6)).toMatchObject({ keyframeIntervalMs: 2000, measuredFps: 25 });
    // A regular start is left as it is.
    expect(streamFacts({ streams: [video], packets: packets(0) }, 6)).toMatchObject({ keyframeIntervalMs: 2000, measuredFps: 25 });
  });
});

describe('HealthChecker with the recorded port', () => {
  let camera: TestCamera;
  let store: Store;
  let cameras: ReturnType<typeof createCameras>;

  beforeAll(async () => {
    camera = await startTestCamera({ paths: ['/main'], keyintFrames: 50, audio: 'pcma' });
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, `storage:\n  dataDir: ${JSON.stringify(dir)}\ndiscovery:\n  requestTimeoutMs: 1000\n  streamProbeSeconds: 3\ncameras:
  - id: live\n    url: ${JSON.stringify(camera.url)}
  - id: dead\n    url: rtsp://127.0.0.1:1/nothing
  - id: recorded\n    url: rtsp://127.0.0.1:1/recorded-only
`);
    store = openStore({ path: path.join(dir, 'index.sqlite'), log });
    cameras = createCameras({ config: loadConfig({ file }), configFile: null, store: store.cameras.stored, transaction: (fn) => store.transaction(fn), clock: systemClock, spawner: systemSpawner, log, interfaces: () => [] });
  });

  afterAll(async () => {
    await cameras?.close();
    store?.close();
    await camera?.stop();
  });

  const checker = (latest: (id: string) => RecordedSegmentRef | null, waitMs: number) => new HealthChecker({
    registry: cameras.registry, onvif: new OnvifLibClient(), prober: ffprobeStreamProber(systemSpawner), clock: systemClock, log,
    settings: { streamProbeSeconds: 3, requestTimeoutMs: 1000 }, recorded: source(latest, waitMs),
  });

  const card = (id: string) => cameras.registry.get(id)!.healthCard;
  const sessions = () => camera.stderr.split('client connected').length - 1;

  it('close() ends the wait for segments at once, starts no RTSP probe and keeps no card', async () => {
    const c = checker(() => null, 60_000);
    const before = sessions();
    const pass = c.checkMissing();
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    c.close();
    await pass;
    expect(Date.now() - t).toBeLessThan(1000);
    expect(sessions()).toBe(before);
    expect(['live', 'dead', 'recorded'].map(card)).toEqual([null, null, null]);
  });

  it('start-up checks: a recorded camera from its segment, the others fall back to RTSP (live facts, or stream-unreadable)', async () => {
    const file = segment('rec.mp4', 4, 50);
    const before = sessions();
    await checker((id) => (id === 'recorded' ? ref(file, { sourceAudioCodec: 'pcm_alaw' }) : null), 500).checkMissing();
    // The 'recorded' camera's URL answers nothing: only the segment can have produced these facts.
    expect(card('recorded')!.stream).toMatchObject({ width: 320, height: 180, audioCodec: 'pcm_alaw', keyframeIntervalMs: 2000 });
    expect(card('recorded')!.warnings.map((w) => w.code)).toEqual(['g711-audio']);
    // The live camera had no segment: one RTSP session read it.
    expect(card('live')!.stream).toMatchObject({ videoCodec: 'h264', width: 640, height: 360, audioCodec: 'pcm_alaw' });
    expect(sessions() - before).toBe(1);
    expect(card('dead')!.stream).toBeNull();
    expect(card('dead')!.warnings.map((w) => w.code)).toContain('stream-unreadable');
  });

  it('"check again" reads the live stream even when a recording is at hand', async () => {
    const file = segment('rec2.mp4', 4, 50);
    const before = sessions();
    const c = checker(() => ref(file), 500);
    const fresh = await c.check('live');
    expect(fresh.stream).toMatchObject({ width: 640, height: 360 });
    expect(sessions() - before).toBe(1);
  });
});
