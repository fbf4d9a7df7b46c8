/**
 * Live view backend with real parts: ffmpeg's fragmented MP4 cut into init + fragments,
 * and the hub copying a real RTSP camera (GStreamer) to several viewers through one
 * ffmpeg. Only the linger/kill timers are a manual port, so "nobody watches any more"
 * needs no sleeping.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { Fmp4Splitter } from '../src/live/fmp4-splitter.js';
import { LiveHub } from '../src/live/live-hub.js';
import type { LiveEnd, LiveViewer, Timers } from '../src/live/live-stream.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { ffmpegPidsMentioning, waitFor } from './helpers/daemon.js';

/** A few seconds of H.264 from lavfi, muxed exactly as live view muxes (1 s GOP). */
function liveLikeFmp4(seconds: number): Buffer {
  const out = spawnSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'mp4',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000', 'pipe:1',
  ], { maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(out.stderr.toString());
  return out.stdout;
}

interface Collected { init: Buffer[]; fragments: { bytes: Buffer; key: boolean }[] }

function split(chunks: Buffer[]): Collected {
  const got: Collected = { init: [], fragments: [] };
  const splitter = new Fmp4Splitter({ onInit: (b) => got.init.push(b), onFragment: (bytes, key) => got.fragments.push({ bytes, key }) });
  for (const c of chunks) splitter.push(c);
  return got;
}

describe('Fmp4Splitter', () => {
  it('cuts ffmpeg output into one init and whole fragments, keyframe fragments marked, nothing lost', () => {
    const bytes = liveLikeFmp4(3);
    // Odd chunk sizes, as a pipe delivers them: boxes straddle chunks.
    const chunks: Buffer[] = [];
    for (let at = 0, n = 1; at < bytes.length; at += n, n = (n * 7 + 3) % 5000 + 1) chunks.push(bytes.subarray(at, at + n));
    const got = split(chunks);
    expect(got.init).toHaveLength(1);
    // Everything but the index ffmpeg appends when it finishes (mfra: no use to a live viewer).
    const joined = Buffer.concat([...got.init, ...got.fragments.map((f) => f.bytes)]);
    expect(joined.equals(bytes.subarray(0, joined.length))).toBe(true);
    expect(bytes.toString('latin1', joined.length + 4, joined.length + 8)).toBe('mfra');
    expect(bytes.readUInt32BE(joined.length)).toBe(bytes.length - joined.length);
    // 200 ms fragments, a keyframe every second: 3 key fragments of ~15.
    expect(got.fragments.length).toBeGreaterThanOrEqual(12);
    expect(got.fragments.filter((f) => f.key)).toHaveLength(3);
    expect(got.fragments[0]!.key).toBe(true);
    expect(got.fragments[1]!.key).toBe(false);
  });

  it('refuses a box too large to be live video', () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xffffff00, 0);
    huge.write('mdat', 4, 'latin1');
    expect(() => split([huge])).toThrow(/too large/);
  });
});

class ManualTimers implements Timers {
  private pending: { fn: () => void; cancelled: boolean; ms: number }[] = [];
  after(ms: number, fn: () => void) {
    const entry = { fn, cancelled: false, ms };
    this.pending.push(entry);
    return () => { entry.cancelled = true; };
  }
  /** Runs the timers of exactly `ms` that are still armed. */
  fire(ms: number): number {
    const due = this.pending.filter((p) => p.ms === ms && !p.cancelled);
    this.pending = this.pending.filter((p) => !due.includes(p));
    for (const p of due) p.fn();
    return due.length;
  }
}

class TestViewer implements LiveViewer {
  readonly received: Buffer[] = [];
  ended: LiveEnd | null = null;
  backlogBytes = 0;
  send(data: Buffer): void { this.received.push(data); }
  bufferedBytes(): number { return this.backlogBytes; }
  end(end: LiveEnd): void { this.ended = end; }
  /** What this viewer got, as a browser would parse it. */
  parsed(): Collected { return split(this.received); }
}

const lingerMs = 60_000;

describe('LiveHub against a real RTSP camera', () => {
  let camera: TestCamera;
  const timers = new ManualTimers();
  let hub: LiveHub;

  beforeAll(async () => {
    camera = await startTestCamera({ paths: ['/main', '/other'], keyintFrames: 25, fps: 25 });
    hub = new LiveHub({ spawner: systemSpawner, log: silentLogger(), timers, settings: { lingerMs, rtspTimeoutSeconds: 3 }, maxStreams: 2 });
  });
  afterAll(async () => {
    await hub?.close();
    await camera?.stop();
  });

  /** A viewer of the camera's first path, as camera 'gate'. */
  const watchGate = (viewer: LiveViewer) => hub.watch({ cameraId: 'gate', quality: 'main', url: camera.urls[0]! }, viewer);
  /** Ends the linger and waits for the live ffmpeg of the first path to exit. */
  async function lingerOver(): Promise<void> {
    timers.fire(lingerMs);
    await waitFor('the live ffmpeg to exit', () => ffmpegPidsMentioning(camera.urls[0]!).length === 0, 10_000);
  }

  it('shares one ffmpeg between viewers, starts a late viewer at once on the cached keyframe, and stops after the linger', async () => {
    const url = camera.urls[0]!;
    const a = new TestViewer();
    const b = new TestViewer();
    const detachA = watchGate(a);
    const detachB = watchGate(b);
    await waitFor('fragments for both viewers', () => a.parsed().fragments.length >= 10 && b.parsed().fragments.length >= 10, 20_000);
    expect(ffmpegPidsMentioning(url)).toHaveLength(1);
    for (const v of [a, b]) {
      expect(v.parsed().init).toHaveLength(1);
      expect(v.parsed().fragments[0]!.key).toBe(true);
    }

    // A late viewer gets the init and the GOP so far synchronously: no wait for a keyframe.
    await waitFor('a non-key fragment to be the newest', () => !a.parsed().fragments.at(-1)!.key, 5000, 20);
    const late = new TestViewer();
    const detachLate = watchGate(late);
    const first = late.parsed();
    expect(first.init).toHaveLength(1);
    expect(first.fragments.length).toBeGreaterThanOrEqual(2);
    expect(first.fragments[0]!.key).toBe(true);

    for (const detach of [detachA, detachB, detachLate]) detach();
    expect(hub.stats()).toEqual([expect.objectContaining({ key: 'gate/main', viewers: 0 })]);
    expect(ffmpegPidsMentioning(url)).toHaveLength(1); // lingering: a reload must not reconnect
    await lingerOver();
    expect(hub.stats()).toEqual([]);
  });

  it('a viewer coming back within the linger keeps the same ffmpeg', async () => {
    const v = new TestViewer();
    const detach = watchGate(v);
    await waitFor('fragments', () => v.parsed().fragments.length > 2, 20_000);
    const pid = hub.stats()[0]!.pid;
    detach();
    const again = new TestViewer();
    const detachAgain = watchGate(again);
    expect(timers.fire(lingerMs)).toBe(0); // the linger was cancelled
    expect(hub.stats()[0]!.pid).toBe(pid);
    detachAgain();
    await lingerOver();
  });

  it('a slow viewer skips to the next keyframe; the others get every fragment', async () => {
    const fast = new TestViewer();
    const slow = new TestViewer();
    const detachFast = watchGate(fast);
    const detachSlow = watchGate(slow);
    await waitFor('fragments', () => slow.parsed().fragments.length > 3, 20_000);
    slow.backlogBytes = 64 * 1024 * 1024; // its socket holds far more than the 2 MB allowance
    const before = slow.received.length;
    const fastBefore = fast.received.length;
    await waitFor('fragments sent while the slow one lags', () => fast.received.length - fastBefore >= 8, 10_000);
    expect(slow.received.length).toBe(before);
    slow.backlogBytes = 0;
    await waitFor('the slow viewer to resume', () => slow.received.length > before, 10_000);
    const resumed = split([slow.received[0]!, ...slow.received.slice(before)]);
    expect(resumed.fragments[0]!.key).toBe(true);
    detachFast();
    detachSlow();
    await lingerOver();
  });

  it('caps the number of streams and ends viewers when the camera URL changes or the camera goes away', async () => {
    const [main, other] = camera.urls as [string, string];
    const v1 = new TestViewer();
    const v2 = new TestViewer();
    hub.watch({ cameraId: 'gate', quality: 'main', url: main }, v1);
    hub.watch({ cameraId: 'road', quality: 'main', url: other }, v2);
    expect(() => hub.watch({ cameraId: 'yard', quality: 'main', url: other }, new TestViewer())).toThrow(/at most 2/);

    // The camera's URL changed (an admin edited it): the old stream ends, viewers reconnect.
    hub.watch({ cameraId: 'gate', quality: 'main', url: `${main}?v=2` }, new TestViewer());
    expect(v1.ended?.reason).toBe('replaced');

    await waitFor('road fragments', () => v2.parsed().fragments.length > 0, 20_000);
    await camera.stop();
    await waitFor('the viewer to be told the stream ended', () => v2.ended, 20_000);
    expect(v2.ended).toMatchObject({ reason: 'ended' });
    await camera.restart();
  });

  it('ends its viewers with a message, not silence, when ffmpeg cannot run at all', async () => {
    const broken = new LiveHub({ spawner: systemSpawner, log: silentLogger(), timers, settings: { ffmpegPath: '/nonexistent/ffmpeg' } });
    const v = new TestViewer();
    broken.watch({ cameraId: 'gate', quality: 'main', url: camera.urls[0]! }, v);
    await waitFor('the viewer to be told', () => v.ended, 10_000);
    expect(v.ended).toMatchObject({ reason: 'ended', message: expect.stringMatching(/camera stream ended/) });
    expect(broken.stats()).toEqual([]);
    await broken.close();
  });
});
