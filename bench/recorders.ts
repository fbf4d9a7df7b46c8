/**
 * What the recording benches share: bare recorders (the daemon's own ffmpeg command line,
 * no daemon) and a daemon recording N cameras of one test camera, measured in steady state.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildRecorderArgs, progressPeriodFor } from '../src/recorder/ffmpeg-args.js';
import { readSegments, spawnDaemon, tempDir, waitFor, writeTestConfig, type DaemonProcess } from '../test/helpers/daemon.js';
import { startTestCamera, type TestCamera } from '../test/helpers/test-camera.js';

/** The recording benches' camera: 1920x1080, 25 fps, 4 Mbit/s, a keyframe every 2 s. */
export function startBenchCamera(): Promise<TestCamera> {
  return startTestCamera({ width: 1920, height: 1080, fps: 25, bitrateKbps: 4000, keyintFrames: 50 });
}

/**
 * Every thread of the camera to CPU 1; this process (and so every recorder and daemon it
 * spawns afterwards, which inherit the mask) to CPU 0: at 64 cameras the RTSP server then
 * does not compete with what is measured.
 */
export function pinCameraApart(cameraPid: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(cameraPid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
}

/** The daemon's default stall timeout: it sets ffmpeg's heartbeat period for both sides. */
export const defaultStallTimeoutSeconds = 15;

export interface BareOptions {
  readonly segmentSeconds: number;
  readonly stallTimeoutSeconds?: number;
  /** Extra spawn options for a variant (bench/recorder-ab.ts). */
  readonly env?: NodeJS.ProcessEnv;
  readonly detached?: boolean;
  /** Called with each recorder's output folder before it starts. */
  readonly onFolder?: (dir: string) => void;
}

/** N bare recorders of `url`, each writing into its own folder under `dir`. */
export function startBareRecorders(url: string, n: number, dir: string, opts: BareOptions): ChildProcess[] {
  return Array.from({ length: n }, (_, i) => {
    const out = path.join(dir, `cam${i}`);
    mkdirSync(out, { recursive: true });
    opts.onFolder?.(out);
    const args = buildRecorderArgs({
      url, rtspTimeoutSeconds: 5, segmentSeconds: opts.segmentSeconds, audio: 'aac',
      outputPattern: path.join(out, 'bare-%06d.mp4'), tagHevcAsHvc1: false,
      progressPeriodSeconds: progressPeriodFor((opts.stallTimeoutSeconds ?? defaultStallTimeoutSeconds) * 1000),
    });
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, detached: opts.detached ?? false });
    for (const s of [child.stdout, child.stderr, child.stdio[3]]) (s as NodeJS.ReadableStream | null)?.resume();
    return child;
  });
}

/** SIGTERM to each (ffmpeg closes its segment), resolved when all have exited. */
export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null) { resolve(); return; }
    c.once('close', () => resolve());
    c.kill('SIGTERM');
  })));
}

export interface BenchDaemonOptions {
  readonly segmentSeconds: number;
  readonly stallTimeoutSeconds?: number;
  /** Appended to the config (YAML), e.g. an integrity section. */
  readonly extraYaml?: string;
  /** Called once the daemon listens, before its cameras record. */
  readonly onListening?: () => void;
}

export interface BenchDaemon {
  readonly d: DaemonProcess;
  readonly dataDir: string;
  /** Seconds from every camera's first segment to every camera's health card. */
  readonly healthCardsS: number;
}

/**
 * The daemon recording N cameras of `url`, returned once every camera has a segment and
 * its health card (the start-up work is then done).
 */
export async function startBenchDaemon(url: string, n: number, opts: BenchDaemonOptions): Promise<BenchDaemon> {
  const cameras = Array.from({ length: n }, (_, i) => ({ id: `cam${i}`, url }));
  const cfg = writeTestConfig({ cameras, segmentSeconds: opts.segmentSeconds, stallTimeoutSeconds: opts.stallTimeoutSeconds ?? defaultStallTimeoutSeconds });
  // The config lives outside the data dir, as on an installed box (/etc/nvr).
  const configFile = path.join(tempDir('nvr-bench-cfg-'), 'config.yaml');
  // Retention's free-space floor defaults to 60 minutes of what the cameras record: at 64
  // cameras that is 115 GB, more than a shared dev disk has free, and retention would
  // (rightly) delete and pause recording. The benches measure recording, not that.
  writeFileSync(configFile, `${readFileSync(cfg.file, 'utf8')}retention:\n  minFreeMinutes: 1\n  minFreeFraction: 0.01\n  highWater: 0.02\n${opts.extraYaml ?? ''}`);
  const d = spawnDaemon(configFile);
  await d.url();
  opts.onListening?.();
  await waitFor(`${n} cameras indexed`, () => new Set(readSegments(cfg.dataDir).map((r) => r.camera_id)).size >= n, 120_000, 500);
  // Each new camera gets its health card from its first segment.
  const t0 = Date.now();
  await waitFor(`${n} health cards`, () => (d.output().match(/camera health checked|health check failed/g) ?? []).length >= n, 60_000 + n * 10_000, 500);
  return { d, dataDir: cfg.dataDir, healthCardsS: (Date.now() - t0) / 1000 };
}
