/**
 * Real recordings for clip, still and playback tests: a lavfi source pushed through the
 * recorder's own command line (src/recorder/ffmpeg-args.ts: same segment muxer and
 * movflags, fMP4 flushed per fragment) with the RTSP input swapped for lavfi and the
 * video encoded by libx264, then indexed through the real Indexer and store exactly as
 * the recorder's events would be.
 *
 * Frame code: the top-left 32x32 block's luma is 16 + 8 * (frame number mod 25), so a
 * still or a decoded frame tells which frame it is (frameCodeOf).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/api/app.js';
import { createFootageServices, type FootageSettings } from '../src/clips/footage.js';
import { RecordingsService } from '../src/clips/recordings.js';
import type { CameraConfig } from '../src/config/types.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { makeRunKey, runFolder, type RunEndReason, type StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { buildRecorderArgs } from '../src/recorder/ffmpeg-args.js';
import { createAuthFixture, type AuthFixture } from './helpers/api-deps.js';

export interface RunOptions {
  recordingsDir: string;
  cameraId: string;
  /** Wall time of media 0 of the run. */
  anchorMs: number;
  seconds: number;
  segmentSeconds: number;
  width?: number;
  height?: number;
  fps?: number;
  gopFrames?: number;
  audio?: boolean;
  /** libx264 B-frames (cameras rarely use them; x264's default does). */
  bframes?: boolean;
  codec?: 'h264' | 'h265';
  endReason?: RunEndReason;
}

export interface RecordedSegment {
  relPath: string;
  seq: number;
  startMs: number;
  endMs: number;
}

/** The recorder's arguments with lavfi in place of RTSP and libx264 in place of copy. */
export function fixtureArgs(o: RunOptions, outputPattern: string): string[] {
  const fps = o.fps ?? 25;
  const args = buildRecorderArgs({
    url: 'LAVFI', rtspTimeoutSeconds: 5, segmentSeconds: o.segmentSeconds, audio: o.audio ? 'aac' : 'off',
    outputPattern, tagHevcAsHvc1: false, progressPeriodSeconds: 1,
  });
  const video = `testsrc2=size=${o.width ?? 320}x${o.height ?? 240}:rate=${fps},`
    + `geq=lum='if(lt(X,32)*lt(Y,32),16+8*mod(N,25),lum(X,Y))':cb='cb(X,Y)':cr='cr(X,Y)'`;
  const inputs = ['-f', 'lavfi', '-t', String(o.seconds), '-i', video];
  if (o.audio) inputs.push('-f', 'lavfi', '-t', String(o.seconds), '-i', 'sine=frequency=440:sample_rate=16000');
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (['-progress', '-stats_period', '-rtsp_transport', '-timeout'].includes(a)) { i++; continue; }
    if (a === '-i') { out.push(...inputs); i++; continue; }
    if (a === '-map' && args[i + 1] === '0:a:0?') { out.push('-map', '1:a:0'); i++; continue; }
    if (a === '-c:v') {
      const gop = String(o.gopFrames ?? fps);
      out.push('-c:v', o.codec === 'h265' ? 'libx265' : 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', gop, '-keyint_min', gop);
      out.push('-bf', o.bframes ? '2' : '0');
      if (o.codec === 'h265') out.push('-tag:v', 'hvc1', '-x265-params', 'log-level=error');
      i++;
      continue;
    }
    // Wall-clock cuts would depend on how fast lavfi runs; cut on media time instead.
    if (a === '-segment_atclocktime') { out.push(a, '0'); i++; continue; }
    out.push(a);
  }
  return out;
}

/** Record one run and index it (RunStarted, SegmentClosed per CSV line, RunEnded). */
export async function recordRun(indexer: Indexer, o: RunOptions): Promise<RecordedSegment[]> {
  const spawnedAtMs = o.anchorMs - 500;
  const runKey = makeRunKey(spawnedAtMs);
  const folderRel = runFolder(o.cameraId, spawnedAtMs);
  mkdirSync(path.join(o.recordingsDir, folderRel), { recursive: true });
  const stream: StreamInfo = { videoCodec: o.codec === 'h265' ? 'hevc' : 'h264', width: o.width ?? 320, height: o.height ?? 240, fps: o.fps ?? 25, audioCodec: o.audio ? 'aac' : null };
  indexer.onRunStarted({ cameraId: o.cameraId, runKey, anchorMs: o.anchorMs, spawnedAtMs, stream });
  const csv = await runFfmpeg(fixtureArgs(o, path.join(o.recordingsDir, folderRel, `${runKey}-%06d.mp4`)));
  const segments: RecordedSegment[] = [];
  let lastEnd = o.anchorMs;
  for (const line of csv.split('\n').filter(Boolean)) {
    const [name, startS, endS] = line.split(',');
    const seq = Number(/-(\d{6})\.mp4$/.exec(name!)![1]);
    const startMs = segments.length === 0 ? o.anchorMs + Math.round(Number(startS) * 1000) : lastEnd;
    const endMs = o.anchorMs + Math.round(Number(endS) * 1000);
    const relPath = `${folderRel}/${name}`;
    const sizeBytes = statSync(path.join(o.recordingsDir, relPath)).size;
    indexer.onSegmentClosed({
      cameraId: o.cameraId, runKey, seq, relPath, startMs, endMs, mediaDurationMs: endMs - startMs,
      observedCloseMs: endMs + 50, sizeBytes: Number(sizeBytes), stream,
    });
    segments.push({ relPath, seq, startMs, endMs });
    lastEnd = endMs;
  }
  indexer.onRunEnded({ cameraId: o.cameraId, runKey, endedAtMs: lastEnd + 200, reason: o.endReason ?? 'camera-disconnected', detail: 'fixture' });
  return segments;
}

function runFfmpeg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ffmpeg exit ${code}: ${err.slice(-500)}`))));
  });
}

/** ffprobe's JSON for a file or buffer path. */
export function ffprobe(file: string, entries: string[]): Record<string, unknown> {
  const r = spawnSync('ffprobe', ['-v', 'error', '-of', 'json', ...entries, file]);
  return JSON.parse(r.stdout.toString()) as Record<string, unknown>;
}

/** Errors ffmpeg reports while decoding every frame (empty when the file is clean). */
export function decodeErrors(file: string): string {
  return spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']).stderr.toString().trim();
}

/** Frame number mod 25 burnt into a picture (a JPEG or a video's frame at index n). */
export function frameCodeOf(file: string, selectFrame?: number): number {
  const select = selectFrame === undefined ? '' : `select=eq(n\\,${selectFrame}),`;
  const w = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width', '-of', 'csv=p=0', file]).stdout.toString().trim();
  const scale = Number(w) / 320;
  const side = Math.max(2, Math.round(16 * scale));
  const at = Math.round(8 * scale);
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `${select}crop=${side}:${side}:${at}:${at},scale=1:1:flags=area,format=gray`,
    '-frames:v', '1', '-f', 'rawvideo', '-']);
  const gray = r.stdout[0];
  if (gray === undefined) throw new Error(`no frame from ${file}: ${r.stderr.toString()}`);
  const luma = (gray * 219) / 255 + 16;
  return Math.round((luma - 16) / 8);
}

export const T0 = Date.UTC(2026, 10, 28, 3, 0, 0);

export interface FootageApp {
  url: string;
  fx: AuthFixture;
  recordingsDir: string;
  indexer: Indexer;
  recordings: RecordingsService;
  /** Headers of an investigator's API token. */
  auth: { authorization: string };
  close(): Promise<void>;
}

/** The real API (real auth, audit trail, clips/stills/playback services) on a loopback port. */
export async function startFootageApp(cameraIds: string[], settings: Partial<FootageSettings> = {}): Promise<FootageApp> {
  const fx = createAuthFixture();
  const recordingsDir = path.join(fx.dir, 'recordings');
  const log = silentLogger();
  const indexer = new Indexer({ store: fx.store, recordingsDir, log, clock: systemClock });
  const recordings = new RecordingsService({ store: fx.store });
  const footage = createFootageServices({
    recordings, recordingsDir, spawner: systemSpawner, ffmpegPath: 'ffmpeg', log,
    settings: { maxClipSeconds: 4 * 3600, maxPlaylistSeconds: 86_400, stillConcurrency: 2, stillTimeoutMs: 10_000, indexCacheEntries: 4096, ...settings },
  });
  const cameras: CameraConfig[] = cameraIds.map((id) => ({ id, name: id, url: `rtsp://u:secret@127.0.0.1/${id}`, enabled: true, audio: 'aac' }));
  for (const c of cameras) indexer.ensureCamera(c.id, c.name);
  const app = buildApp({
    log, clock: systemClock, version: 'test', cameras: () => cameras, recorderStatus: () => null,
    recordings, health: () => ({ status: 'ok', reasons: [] }), ...fx.deps, ...footage,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url, fx, recordingsDir, indexer, recordings, auth: fx.bearer('investigator'),
    async close() {
      // undici may leave a connection that never sent a request; the server would wait
      // for it until its headers timeout (60 s).
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await footage.stills.close(); // its warm ffmpegs
      fx.close();
    },
  };
}

/** Audit entries of an action, newest first. */
export function auditEntries(fx: AuthFixture, action: string) {
  return fx.audit.list({ fromMs: 0, toMs: Date.UTC(2200, 0, 1), limit: 1000 }).entries.filter((e) => e.action === action);
}

/** GET with the investigator token (plus headers); a path is taken relative to the app. */
export async function getAs(f: FootageApp, url: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(url, `${f.url}/`), { headers: { ...f.auth, ...headers } });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

/** Write a body into the fixture's temp dir for ffprobe/ffmpeg. */
export function saveAs(f: FootageApp, name: string, body: Buffer): string {
  const file = path.join(f.fx.dir, name);
  writeFileSync(file, body);
  return file;
}
