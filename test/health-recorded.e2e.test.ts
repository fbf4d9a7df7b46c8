/**
 * Start-up health cards on the real daemon (in process, real recorders, real index) with N
 * cameras on the real RTSP test camera sending G.711: every card is built from the
 * camera's first recorded segment, and no ffprobe opens an RTSP session while they are
 * built — watched in /proc from before the daemon starts, and counted on the camera's side
 * (RTSP clients connected = recorder runs). A control at the end shows the watcher sees an
 * RTSP ffprobe when one does run, and that the cards match what such a probe measures.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeStreamProber } from '../src/cameras/stream-probe.js';
import type { HealthCard } from '../src/cameras/types.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { waitFor, writeTestConfig } from './helpers/daemon.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';

const N = 4;
const mounts = Array.from({ length: N }, (_, i) => `/cam${i + 1}`);
const frameMs = 40;
let camera: TestCamera;
let daemon: Daemon | undefined;
let dataDir: string;
const lines: Record<string, unknown>[] = [];
const rtspProbes = new Set<number>();
let watcher: NodeJS.Timeout;

/**
 * Pids of live ffprobe processes reading our test camera over RTSP (by its port: other
 * tests on this machine may probe their own cameras meanwhile).
 */
function rtspProbePids(): number[] {
  const ours = `rtsp://127.0.0.1:${camera.port}/`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try { argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (argv.some((a) => a.endsWith('ffprobe')) && argv.some((a) => a.startsWith(ours))) out.push(Number(entry));
  }
  return out;
}

const checked = () => lines.filter((l) => l['msg'] === 'camera health checked');

function storedCards(): Map<string, HealthCard> {
  const db = new Database(`${dataDir}/index.sqlite`, { readonly: true });
  try {
    const rows = db.prepare('SELECT camera_id AS id, card_json AS json FROM camera_health_cards').all() as { id: string; json: string }[];
    return new Map(rows.map((r) => [r.id, JSON.parse(r.json) as HealthCard]));
  } finally {
    db.close();
  }
}

function runCount(): number {
  const db = new Database(`${dataDir}/index.sqlite`, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  camera = await startTestCamera({ paths: mounts, width: 640, height: 360, fps: 25, keyintFrames: 50, audio: 'pcmu' });
  const cfg = writeTestConfig({ cameras: mounts.map((m, i) => ({ id: `cam${i + 1}`, url: `rtsp://127.0.0.1:${camera.port}${m}` })), segmentSeconds: 2 });
  dataDir = cfg.dataDir;
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // Watching starts before the daemon, so a probe at any moment of start-up is seen.
  watcher = setInterval(() => { for (const pid of rtspProbePids()) rtspProbes.add(pid); }, 25);
  daemon = await startDaemon(loadConfig({ file: cfg.file, env: {} }), { log: createLogger({ level: 'info', destination }), listen: false });
  await waitFor(`${N} 'camera health checked' lines`, () => checked().length >= N, 60_000, 100);
}, 90_000);

afterAll(async () => {
  clearInterval(watcher);
  await daemon?.close();
  await camera?.stop();
});

describe('start-up health cards from recordings', () => {
  it('builds every card from a recorded segment, with no RTSP session beside the recorders', () => {
    expect([...rtspProbes]).toEqual([]);
    const sessions = camera.stderr.split('client connected').length - 1;
    expect(sessions).toBe(runCount());
    expect(checked().map((l) => l['from'])).toEqual(Array(N).fill('recording'));
  });

  it('each card shows the source: H.264 640x360, 25 fps, keyframes 2 s apart, G.711 flagged although the files hold AAC', () => {
    const cards = storedCards();
    expect([...cards.keys()].sort()).toEqual(mounts.map((m) => m.slice(1)));
    for (const card of cards.values()) {
      expect(card.stream).toMatchObject({ videoCodec: 'h264', width: 640, height: 360, declaredFps: 25, audioCodec: 'pcm_mulaw', keyframeIntervalIsLowerBound: false });
      expect(Math.abs(card.stream!.keyframeIntervalMs! - 2000)).toBeLessThanOrEqual(frameMs);
      expect(Math.abs(card.stream!.measuredFps! - 25)).toBeLessThan(1);
      expect(card.warnings.map((w) => w.code)).toEqual(['g711-audio']);
    }
    const db = new Database(`${dataDir}/index.sqlite`, { readonly: true });
    const audio = db.prepare("SELECT DISTINCT audio_codec AS a FROM runs").all();
    db.close();
    expect(audio).toEqual([{ a: 'pcm_mulaw' }]);
  });

  it('control: the watcher sees an RTSP ffprobe, and such a probe measures what the cards say', async () => {
    const live = await ffprobeStreamProber(systemSpawner).probe(`rtsp://127.0.0.1:${camera.port}${mounts[0]}`, 5);
    expect(rtspProbes.size).toBeGreaterThanOrEqual(1);
    const card = storedCards().get('cam1')!;
    expect(live).toMatchObject({ videoCodec: card.stream!.videoCodec, width: card.stream!.width, height: card.stream!.height, audioCodec: 'pcm_mulaw' });
    expect(Math.abs(live.keyframeIntervalMs! - card.stream!.keyframeIntervalMs!)).toBeLessThanOrEqual(frameMs);
  });
});
