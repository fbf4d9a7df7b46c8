import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeJson } from './helpers/ffprobe.js';
import type { FfprobeResult, FfprobeStream } from './helpers/ffprobe.js';
import { startTestCamera } from './helpers/test-camera.js';
import type { TestCamera } from './helpers/test-camera.js';

// Proves the RTSP test camera and its helper against the real ffmpeg/ffprobe the recorder uses.

interface FfmpegRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/** Run ffmpeg to completion (killed after `killAfterMs`); `onStdout` sees `-progress pipe:1` output. */
function ffmpeg(args: string[], killAfterMs = 30_000, onStdout?: (chunk: string) => void): Promise<FfmpegRun> {
  const t0 = performance.now();
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => onStdout?.(s));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, ms: performance.now() - t0 });
    });
  });
}

/** The recorder's input options, then `-map 0:v -c copy -t <s>` into an MP4. */
function record(url: string, out: string, seconds: number, timeoutUs = 5_000_000): Promise<FfmpegRun> {
  return ffmpeg([
    '-rtsp_transport', 'tcp', '-timeout', String(timeoutUs), '-i', url,
    '-map', '0:v', '-c', 'copy', '-t', String(seconds), '-y', out,
  ]);
}

function video(probe: FfprobeResult): FfprobeStream {
  const v = probe.streams.find((s) => s.codec_type === 'video');
  if (!v) throw new Error(`no video stream in ${JSON.stringify(probe.streams)}`);
  return v;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvr-test-camera-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('test camera (H.264, shared)', () => {
  let cam: TestCamera;
  beforeAll(async () => {
    cam = await startTestCamera({ width: 640, height: 360, fps: 25, keyintFrames: 50 });
  });
  afterAll(async () => {
    await cam?.stop();
  });

  it('serves H.264 at the requested size; a late second client shares the encoder and does not disturb the first', async () => {
    expect(cam.url).toBe(`rtsp://127.0.0.1:${cam.port}/demo`);
    const first = record(cam.url, join(dir, 'first.mp4'), 5);
    // Join mid-stream: before publish-clock-mode was set, each PLAY made gst-rtsp-server seek the
    // shared pipeline and every connected client saw its timestamps jump back (≈40 % extra frames).
    await new Promise((r) => setTimeout(r, 1500));
    const second = await record(cam.url, join(dir, 'second.mp4'), 2);
    const run = await first;
    expect(run.code, run.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);

    const probe = await ffprobeJson(join(dir, 'first.mp4'), { countPackets: true });
    const v = video(probe);
    expect(v).toMatchObject({ codec_name: 'h264', width: 640, height: 360, pix_fmt: 'yuv420p' });
    expect(Number(probe.format.duration)).toBeCloseTo(5, 0);
    // 5 s at 25 fps: 125 frames give or take the cut.
    expect(Number(v.nb_read_packets)).toBeGreaterThanOrEqual(123);
    expect(Number(v.nb_read_packets)).toBeLessThanOrEqual(127);
    expect(video(await ffprobeJson(join(dir, 'second.mp4'))).codec_name).toBe('h264');
    // One pipeline for two overlapping clients.
    expect(cam.stderr.match(/media configured/g)).toHaveLength(1);
  });

  it('serves a new client after the previous ones left, and again after kill() + restart()', async () => {
    const again = await record(cam.url, join(dir, 'again.mp4'), 1);
    expect(again.code, again.stderr).toBe(0);

    const oldPid = cam.pid;
    await cam.kill();
    const refused = await record(cam.url, join(dir, 'refused.mp4'), 1);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Connection refused/);

    await cam.restart();
    expect(cam.pid).not.toBe(oldPid);
    expect(cam.url).toBe(`rtsp://127.0.0.1:${cam.port}/demo`);
    const back = await record(cam.url, join(dir, 'back.mp4'), 2);
    expect(back.code, back.stderr).toBe(0);
    expect(video(await ffprobeJson(join(dir, 'back.mp4')))).toMatchObject({ codec_name: 'h264', width: 640 });
  });

  it('refuses a busy port with a clear error', async () => {
    await expect(startTestCamera({ port: cam.port })).rejects.toThrow(/exit code 2[\s\S]*Address already in use/);
  });

  it('freeze(): a reader with -timeout 3 s gives up on its own; thaw(): the camera serves again', async () => {
    let sawFrames = false;
    let onFrames: () => void = () => {};
    const framesFlowing = new Promise<void>((resolve) => (onFrames = resolve));
    const reader = ffmpeg(
      ['-rtsp_transport', 'tcp', '-timeout', '3000000', '-i', cam.url, '-map', '0:v', '-c', 'copy', '-f', 'null', '-',
        '-progress', 'pipe:1', '-stats_period', '0.2'],
      30_000,
      (chunk) => {
        if (!sawFrames && /frame=[1-9]/.test(chunk)) {
          sawFrames = true;
          onFrames();
        }
      },
    );
    await framesFlowing;
    cam.freeze();
    try {
      const t0 = performance.now();
      const run = await reader;
      const frozenMs = performance.now() - t0;
      // ffmpeg 5.1 gives up after about twice -timeout (measured ≈6.2 s for 3 s), exit code 0.
      expect(run.signal).toBeNull();
      expect(run.stderr).toMatch(/timed out/i);
      expect(frozenMs).toBeGreaterThan(2_500);
      expect(frozenMs).toBeLessThan(15_000);
    } finally {
      cam.thaw();
    }
    const after = await record(cam.url, join(dir, 'thawed.mp4'), 1);
    expect(after.code, after.stderr).toBe(0);
  });

  it('stop() ends the camera promptly with SIGTERM, also while frozen', async () => {
    cam.freeze();
    const t0 = performance.now();
    await cam.stop();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(cam.stderr).toMatch(/stopping \(SIGTERM\)/);
  });
});

describe('test camera variants', () => {
  it.each([
    ['pcmu', 'pcm_mulaw', '8000'],
    ['pcma', 'pcm_alaw', '8000'],
    ['aac', 'aac', '16000'],
  ] as const)('--audio %s adds a %s audio stream', async (audio, codec, rate) => {
    const cam = await startTestCamera({ audio });
    try {
      const probe = await ffprobeJson(cam.url, { inputArgs: ['-rtsp_transport', 'tcp'] });
      expect(video(probe).codec_name).toBe('h264');
      expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({
        codec_name: codec,
        sample_rate: rate,
        channels: 1,
      });
    } finally {
      await cam.stop();
    }
  });

  it('codec h265 gives 4:2:0 8-bit HEVC; several paths are separate mounts', async () => {
    const cam = await startTestCamera({ codec: 'h265', width: 320, height: 240, paths: ['/main', '/sub'] });
    try {
      expect(cam.urls).toEqual([`rtsp://127.0.0.1:${cam.port}/main`, `rtsp://127.0.0.1:${cam.port}/sub`]);
      const run = await record(cam.urls[1] ?? '', join(dir, 'h265.mp4'), 2);
      expect(run.code, run.stderr).toBe(0);
      const v = video(await ffprobeJson(join(dir, 'h265.mp4')));
      expect(v).toMatchObject({ codec_name: 'hevc', profile: 'Main', pix_fmt: 'yuv420p', width: 320, height: 240 });
    } finally {
      await cam.stop();
    }
  });
});
