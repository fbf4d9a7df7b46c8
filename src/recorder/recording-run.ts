/**
 * One run: a single ffmpeg session recording one camera. It turns ffmpeg's segment list,
 * heartbeat and log into events with box time. It knows nothing of restarts (the
 * supervisor's job) nor of the database (the indexer's).
 *
 * Time model: media time 0 of the run is anchored on the box's wall clock by the
 * heartbeat: each report gives (wall now, output media time), and `now - mediaTime` is
 * the wall time of media 0 plus a delivery delay, so the smallest value seen before the
 * first segment closes is the best anchor. It is also bounded by that close: footage
 * cannot end after the box saw it end (a loaded box that reads ffmpeg late would
 * otherwise anchor late). Segments chain on media time from the anchor; a slow
 * correction (at most 500 ppm of each segment's length) pulls the chain toward the wall
 * clock when the camera's media clock drifts.
 */
import type { ChildProcess } from 'node:child_process';
import { statSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';
import type { Spawner } from '../core/spawn.js';
import type { CameraSpec, RunStartedEvent, SegmentClosedEvent, StreamInfo } from '../core/types.js';
import { emptyStreamInfo } from './ffmpeg-output.js';
import { buildRecorderArgs } from './ffmpeg-args.js';
import { RunOutputReader, type ProgressSample } from './run-output.js';

export interface RunDeps {
  spawner: Spawner;
  clock: Clock;
  log: Logger;
  ffmpegPath: string;
  /** `<dataDir>/recordings` */
  recordingsDir: string;
}

export interface RunSpec {
  camera: CameraSpec;
  runKey: string;
  segmentSeconds: number;
  rtspTimeoutSeconds: number;
  dropAudio: boolean;
  tagHevcAsHvc1: boolean;
  /** Seconds between ffmpeg's heartbeats (see progressPeriodFor). */
  progressPeriodSeconds: number;
}

export interface RunHandlers {
  started(e: RunStartedEvent): void;
  segment(e: SegmentClosedEvent): void;
  progress(sample: ProgressSample): void;
  closed(result: RunResult): void;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  anchored: boolean;
  segmentsClosed: number;
  stream: StreamInfo | null;
  lastError: string | null;
  /** A segment ffmpeg opened but never closed (it was killed): needs probing. */
  abandoned: { relPath: string; seq: number; startMs: number } | null;
}

const maxCorrectionPerMs = 0.0005;

export class RecordingRun {
  readonly spawnedAtMs: number;
  private child: ChildProcess | null = null;
  private readonly folderRel: string;
  private anchorMs: number | null = null;
  private lastEndMs: number | null = null;
  private correctionMs = 0;
  private closedCount = 0;
  private lastClosedSeq = 0;
  private readonly output: RunOutputReader;
  private closedPromise: Promise<void> | null = null;

  constructor(private readonly deps: RunDeps, private readonly spec: RunSpec, private readonly on: RunHandlers) {
    this.spawnedAtMs = deps.clock.nowMs();
    this.folderRel = `${spec.camera.id}/${new Date(this.spawnedAtMs).toISOString().slice(0, 10)}`;
    this.output = new RunOutputReader(spec.runKey, deps.log, deps.clock);
  }

  get pid(): number | null { return this.child?.pid ?? null; }
  get runKey(): string { return this.spec.runKey; }

  /** Spawn ffmpeg; the caller must have created the run's folder (see outputFolder). */
  start(): void {
    const args = buildRecorderArgs({
      url: this.spec.camera.url,
      rtspTimeoutSeconds: this.spec.rtspTimeoutSeconds,
      segmentSeconds: this.spec.segmentSeconds,
      audio: this.spec.dropAudio ? 'off' : this.spec.camera.audio,
      outputPattern: path.join(this.outputFolder, `${this.spec.runKey}-%06d.mp4`),
      tagHevcAsHvc1: this.spec.tagHevcAsHvc1,
      progressPeriodSeconds: this.spec.progressPeriodSeconds,
    });
    const child = this.deps.spawner(this.deps.ffmpegPath, args, {
      env: { ...process.env, TZ: 'UTC', AV_LOG_FORCE_NOCOLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      parentDeathSignal: 'TERM',
      // The daemon's own session, not one per ffmpeg: with the kernel's autogroup
      // scheduling (on by default in Debian) each new session is its own scheduling group,
      // and 64 recorders in 64 groups cost 8-9 % more CPU than the same 64 in one
      // (docs/performance.md). A Ctrl-C on a terminal then reaches ffmpeg too, which closes
      // its segment as it does on our SIGTERM; under systemd only the daemon is signalled.
      newProcessGroup: false,
    });
    this.child = child;
    this.output.attach(child, {
      segment: (fileName, startS, endS) => this.onSegmentListed(fileName, startS, endS),
      progress: (sample) => this.onProgress(sample),
    });
    this.closedPromise = new Promise((resolve) => {
      child.on('error', (err) => this.output.noteError(`cannot start ffmpeg: ${redactText(err.message)}`));
      child.on('close', (code, signal) => { this.onClose(code, signal); resolve(); });
    });
  }

  get outputFolder(): string {
    return path.join(this.deps.recordingsDir, this.folderRel);
  }

  /** SIGTERM lets ffmpeg close its segment; SIGKILL after the timeout. */
  async stop(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.closedPromise) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, timeoutMs);
    await this.closedPromise;
    clearTimeout(timer);
  }

  private onProgress(sample: ProgressSample): void {
    if (this.anchorMs === null && sample.outTimeUs !== null && sample.outTimeUs > 0) {
      const candidate = sample.wallMs - Math.round(sample.outTimeUs / 1000);
      this.provisionalAnchor = Math.min(this.provisionalAnchor ?? candidate, candidate);
    }
    this.on.progress(sample);
  }

  private provisionalAnchor: number | null = null;

  /** Fixed when the first segment closes, at `closedAtMs` for media time `endSeconds`. */
  private fixAnchor(closedAtMs: number, endSeconds: number): void {
    if (this.anchorMs !== null) return;
    const latestPossible = closedAtMs - Math.round(endSeconds * 1000);
    this.anchorMs = Math.min(this.provisionalAnchor ?? latestPossible, latestPossible);
    this.on.started({
      cameraId: this.spec.camera.id,
      runKey: this.spec.runKey,
      anchorMs: this.anchorMs,
      spawnedAtMs: this.spawnedAtMs,
      stream: this.output.stream() ?? emptyStreamInfo(),
    });
  }

  private onSegmentListed(fileName: string, startS: number, endS: number): void {
    const seq = seqOf(fileName, this.spec.runKey);
    if (seq === null) {
      this.deps.log.warn({ fileName }, 'segment list named a file that is not ours; ignored');
      return;
    }
    const observedCloseMs = this.deps.clock.nowMs();
    this.fixAnchor(observedCloseMs, endS);
    const anchor = this.anchorMs!;
    const mediaDurationMs = Math.max(0, Math.round((endS - startS) * 1000));
    const startMs = this.lastEndMs ?? anchor + Math.round(startS * 1000);
    const uncorrectedEnd = anchor + Math.round(endS * 1000) + this.correctionMs;
    const driftMs = observedCloseMs - uncorrectedEnd;
    const step = clamp(driftMs, mediaDurationMs * maxCorrectionPerMs);
    this.correctionMs += Math.round(step);
    const endMs = Math.max(startMs, anchor + Math.round(endS * 1000) + this.correctionMs);
    this.lastEndMs = endMs;
    this.closedCount += 1;
    this.lastClosedSeq = seq;
    this.on.segment({
      cameraId: this.spec.camera.id,
      runKey: this.spec.runKey,
      seq,
      relPath: `${this.folderRel}/${fileName}`,
      startMs,
      endMs,
      mediaDurationMs,
      observedCloseMs,
      sizeBytes: fileSize(path.join(this.outputFolder, fileName)),
      stream: this.output.stream() ?? emptyStreamInfo(),
    });
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.on.closed({
      exitCode: code,
      signal,
      anchored: this.anchorMs !== null,
      segmentsClosed: this.closedCount,
      stream: this.output.stream(),
      lastError: this.output.lastError(),
      abandoned: this.findAbandoned(),
    });
  }

  /** The file ffmpeg opened after the last one it closed, if it exists and holds data. */
  private findAbandoned(): RunResult['abandoned'] {
    const seq = this.output.lastOpenedSeq();
    if (seq === null || seq <= this.lastClosedSeq) return null;
    const fileName = `${this.spec.runKey}-${String(seq).padStart(6, '0')}.mp4`;
    const abs = path.join(this.outputFolder, fileName);
    if (!existsSync(abs)) return null;
    const startMs = this.lastEndMs ?? this.anchorMs ?? this.provisionalAnchor ?? this.spawnedAtMs;
    return { relPath: `${this.folderRel}/${fileName}`, seq, startMs };
  }
}

function seqOf(fileName: string, runKey: string): number | null {
  const prefix = `${runKey}-`;
  if (!fileName.startsWith(prefix) || !fileName.endsWith('.mp4')) return null;
  const n = Number(fileName.slice(prefix.length, -4));
  return Number.isInteger(n) && n > 0 ? n : null;
}

function clamp(value: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, value));
}

function fileSize(abs: string): number {
  try { return statSync(abs).size; } catch { return 0; }
}
