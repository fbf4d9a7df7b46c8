/**
 * The warm still path against the spawn path, on real recordings (clips-fixture: the
 * recorder's segment flags, a frame code burnt into every frame) and real ffmpeg.
 * "Same frame" is proved twice: the burnt-in code is the expected frame number, and the
 * two JPEGs decode to the same 16x16 grey picture. A spawner wrapper (the port) counts
 * which path ran, so a test cannot pass by falling back, and injects exact-moment faults.
 *
 * Recordings (25 fps, 1 s GOP = one fragment, 2 s segments, 6 s each):
 * h264 (no B-frames), bframes (x264 with B-frames), h265, audio (H.264 + AAC).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StillService } from '../src/clips/stills.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner, type Spawner } from '../src/core/spawn.js';
import { T0, frameCodeOf, recordRun, saveAs, startFootageApp, type FootageApp, type RunOptions } from './clips-fixture.js';

let f: FootageApp;
const cameras: Record<string, Partial<RunOptions>> = {
  h264: {}, bframes: { bframes: true }, h265: { codec: 'h265' }, audio: { audio: true },
};

beforeAll(async () => {
  f = await startFootageApp(Object.keys(cameras));
  for (const [cameraId, o] of Object.entries(cameras)) {
    await recordRun(f.indexer, { recordingsDir: f.recordingsDir, segmentSeconds: 2, cameraId, anchorMs: T0, seconds: 6, ...o });
  }
}, 180_000);
afterAll(async () => { await f?.close(); });

type Kind = 'warm' | 'spawn';
interface Harness {
  service: StillService;
  spawns: Kind[];
  /** Called with each warm child as its input is written (fault injection). */
  onWarmInput?: (child: ChildProcess) => void;
}

function harness(opts: { warmProcesses?: number; timeoutMs?: number; warmCommand?: string[] } = {}): Harness {
  const h: Harness = { service: undefined as unknown as StillService, spawns: [] };
  const spawner: Spawner = (command, args, options) => {
    const kind: Kind = args.includes('pipe:0') ? 'warm' : 'spawn';
    h.spawns.push(kind);
    const child = kind === 'warm' && opts.warmCommand
      ? systemSpawner(opts.warmCommand[0]!, opts.warmCommand.slice(1), options)
      : systemSpawner(command, args, options);
    if (kind === 'warm') {
      const end = child.stdin!.end.bind(child.stdin!) as (data: Buffer) => void;
      (child.stdin as unknown as { end: (data: Buffer) => void }).end = (data: Buffer) => { h.onWarmInput?.(child); end(data); };
    }
    return child;
  };
  h.service = new StillService({
    recordings: f.recordings, recordingsDir: f.recordingsDir, spawner, ffmpegPath: 'ffmpeg', log: silentLogger(),
    warmProcesses: opts.warmProcesses ?? 2, timeoutMs: opts.timeoutMs ?? 10_000,
  });
  return h;
}

/** Spawn-path stills served since `from` (warm processes are spawned ahead and not counted). */
const spawnPathRuns = (h: Harness, from = 0) => h.spawns.slice(from).filter((k) => k === 'spawn').length;

/** The JPEG decoded to a 16x16 grey picture: equal bytes = the same frame. */
function grey16(jpeg: Buffer): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-vf', 'scale=16:16:flags=area,format=gray', '-f', 'rawvideo', '-'], { input: jpeg });
  expect(r.stdout.length).toBe(256);
  return r.stdout;
}

const code = (name: string, jpeg: Buffer) => frameCodeOf(saveAs(f, `${name}.jpg`, jpeg));
/** The first frame at or after t: frame n shows at n x 40 ms; its code is n mod 25. */
const expectedCode = (offsetMs: number) => Math.ceil(offsetMs / 40) % 25;

/** ffmpeg processes that are children of this test process and run a warm still. */
function warmChildren(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('trim=start=');
    } catch {
      return false;
    }
  });
}

/** Poll until `ok` holds once (a process being exec'd reads as absent for a moment). */
async function until(what: string, ok: () => boolean): Promise<void> {
  let seen = false;
  for (let i = 0; i < 200 && !(seen = ok()); i++) await new Promise((r) => setTimeout(r, 50));
  expect(seen, what).toBe(true);
}

// 0: a fragment's keyframe at segment start; 1234: mid-GOP; 960: last frame of a GOP;
// 1000: first frame of the second fragment; 1960: last frame of the segment's last fragment;
// 2000 + 520: second segment, mid-GOP; 5990: past the last frame (falls back).
const instants = [0, 1234, 960, 1000, 1960, 2520];

describe('warm path', () => {
  // The audio recording's video timestamps carry the AAC encoder's delay (frames after the
  // first are 64 ms late), so only the comparison with the spawn path applies there.
  it.each([['h264', true], ['h265', true], ['audio', false]])('gives the spawn path\'s frame, pixel for pixel (%s)', async (cameraId, codes) => {
    const warm = harness();
    const spawn = harness({ warmProcesses: 0 });
    try {
      for (const offsetMs of instants) {
        const a = await warm.service.still(cameraId, T0 + offsetMs);
        const b = await spawn.service.still(cameraId, T0 + offsetMs);
        if (codes) expect(code(`${cameraId}-warm-${offsetMs}`, a.jpeg), `${cameraId} at ${offsetMs}`).toBe(expectedCode(offsetMs));
        expect(grey16(a.jpeg).equals(grey16(b.jpeg)), `${cameraId} at ${offsetMs}: same picture`).toBe(true);
        expect(a.relPath).toBe(b.relPath);
      }
      expect(spawnPathRuns(warm)).toBe(0);
      expect(spawnPathRuns(spawn)).toBe(instants.length);
    } finally {
      await warm.service.close();
      await spawn.service.close();
    }
  });

  // With B-frames the segment list puts the cut 80 ms (the reorder delay) after the
  // keyframe's decode time: segment 1 is [0, 2080) ms with frame n at n x 40 ms, segment 2
  // starts at 2080 with frame 50. Both paths count from a segment's first frame. At the
  // last frame of a GOP (950/960, 3030/3040) the spawn path's seek lands on the next
  // keyframe and shows the frame after; the warm path shows the right one.
  const expectedB = (t: number) => (t < 2080 ? Math.ceil(t / 40) : 50 + Math.ceil((t - 2080) / 40)) % 25;
  it('is exact with B-frames, also at the last frame of a GOP', async () => {
    const warm = harness();
    const spawn = harness({ warmProcesses: 0 });
    try {
      for (const offsetMs of [0, 20, 1234, 950, 960, 1000, 1960, 2080, 2520, 3030, 3040]) {
        const a = await warm.service.still('bframes', T0 + offsetMs);
        expect(code(`bframes-${offsetMs}`, a.jpeg), `at ${offsetMs}`).toBe(expectedB(offsetMs));
        if ([950, 960, 3030, 3040].includes(offsetMs)) continue;
        const b = await spawn.service.still('bframes', T0 + offsetMs);
        expect(grey16(a.jpeg).equals(grey16(b.jpeg)), `at ${offsetMs}: same picture`).toBe(true);
      }
      expect(spawnPathRuns(warm)).toBe(0);
    } finally {
      await warm.service.close();
      await spawn.service.close();
    }
  }, 120_000);

  it('scales: a width is warm from its second still on, same picture as the spawn path', async () => {
    const warm = harness();
    const spawn = harness({ warmProcesses: 0 });
    try {
      const first = await warm.service.still('h264', T0 + 1234, 160);
      expect(spawnPathRuns(warm)).toBe(1);
      for (const offsetMs of [1234, 4567]) {
        const a = await warm.service.still('h264', T0 + offsetMs, 160);
        const b = await spawn.service.still('h264', T0 + offsetMs, 160);
        expect(grey16(a.jpeg).equals(grey16(b.jpeg))).toBe(true);
        const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', saveAs(f, `w-${offsetMs}.jpg`, a.jpeg)]);
        expect(probe.stdout.toString().trim()).toBe('160,120');
      }
      expect(grey16(first.jpeg).equals(grey16((await spawn.service.still('h264', T0 + 1234, 160)).jpeg))).toBe(true);
      expect(spawnPathRuns(warm)).toBe(1);
    } finally {
      await warm.service.close();
      await spawn.service.close();
    }
  });

  it('falls back for t past the last complete frame, answering like the spawn path', async () => {
    const warm = harness();
    try {
      const a = await warm.service.still('h264', T0 + 5990).catch((e: Error) => e);
      const b = await harness({ warmProcesses: 0 }).service.still('h264', T0 + 5990).catch((e: Error) => e);
      expect(spawnPathRuns(warm)).toBe(1);
      expect(a instanceof Error ? a.message : 'jpeg').toBe(b instanceof Error ? b.message : 'jpeg');
    } finally {
      await warm.service.close();
    }
  });
});

describe('faults and lifecycle', () => {
  it('falls back when the warm ffmpeg is killed mid-request, and replaces it', async () => {
    const h = harness();
    try {
      await h.service.still('h264', T0 + 500);
      await until('two warm processes', () => warmChildren().length === 2);
      h.onWarmInput = (child) => child.kill('SIGKILL');
      const still = await h.service.still('h264', T0 + 1234);
      expect(code('killed', still.jpeg)).toBe(expectedCode(1234));
      expect(spawnPathRuns(h)).toBe(1);
      h.onWarmInput = undefined;
      await until('the pool refilled', () => warmChildren().length === 2);
      const before = h.spawns.length;
      expect(code('after', (await h.service.still('h264', T0 + 4567)).jpeg)).toBe(expectedCode(4567));
      expect(spawnPathRuns(h, before)).toBe(0);
    } finally {
      await h.service.close();
    }
  });

  it('replaces a warm process killed while idle', async () => {
    const h = harness();
    try {
      h.service.start();
      await until('two warm processes', () => warmChildren().length === 2);
      const [victim] = warmChildren();
      process.kill(victim!, 'SIGKILL');
      await until('a new one instead', () => warmChildren().length === 2 && !warmChildren().includes(victim!));
    } finally {
      await h.service.close();
    }
  });

  it('falls back when a warm process hangs past the timeout', async () => {
    const h = harness({ timeoutMs: 3000, warmCommand: ['sh', '-c', 'cat >/dev/null; exec sleep 30', 'trim=start='] });
    try {
      const t0 = Date.now();
      const still = await h.service.still('h264', T0 + 1234);
      expect(code('hung', still.jpeg)).toBe(expectedCode(1234));
      expect(spawnPathRuns(h)).toBe(1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    } finally {
      await h.service.close();
    }
  });

  it('close kills every warm ffmpeg; later stills use the spawn path', async () => {
    const h = harness();
    h.service.start();
    await h.service.still('h264', T0 + 500, 320);
    await until('full size and width processes', () => warmChildren().length === 4);
    await h.service.close();
    expect(warmChildren()).toEqual([]);
    const before = h.spawns.length;
    expect(code('closed', (await h.service.still('h264', T0 + 1234)).jpeg)).toBe(expectedCode(1234));
    expect(h.spawns.slice(before)).toEqual(['spawn']);
    expect(warmChildren()).toEqual([]);
  });
});
