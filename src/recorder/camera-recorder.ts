/**
 * The supervisor of one camera: keeps one ffmpeg run alive and making progress.
 * Restarts on any exit (ffmpeg exits 0 when a camera drops), on a stall (no heartbeat
 * progress for the stall timeout: ffmpeg can hang on a silent socket) and on a step of
 * the box's clock; with backoff, jitter and an hourly budget (RestartPolicy).
 */
import { mkdirSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import {
  makeRunKey, type CameraSpec, type RecorderState, type RecorderStatus, type RunEndReason,
  type RunEndedEvent, type RunStartedEvent, type SegmentClosedEvent, type StreamInfo,
} from '../core/types.js';
import { progressPeriodFor } from './ffmpeg-args.js';
import { RecordingRun, type RunResult } from './recording-run.js';
import { RestartPolicy } from './restart-policy.js';
import type { ProgressSample } from './run-output.js';

/** Where the recorder's events go (the indexer, wired by main). Calls are synchronous. */
export interface RecorderSink {
  runStarted(e: RunStartedEvent): void;
  segmentClosed(e: SegmentClosedEvent): void;
  runEnded(e: RunEndedEvent): void;
  /** A segment cut short by a killed ffmpeg: the sink probes and indexes it. */
  segmentAbandoned(e: { cameraId: string; runKey: string; seq: number; relPath: string; startMs: number }): void;
}

export interface RecorderSettings {
  segmentSeconds: number;
  rtspTimeoutSeconds: number;
  stallTimeoutMs: number;
  stopTimeoutMs: number;
  restartBackoffInitialMs: number;
  restartBackoffMaxMs: number;
  maxRestartsPerHour: number;
  ffmpegPath: string;
}

/** Totals since the daemon started (never reset), read by metrics and the watchdog. */
export interface RecorderCounters {
  readonly cameraId: string;
  /** Frames ffmpeg wrote, summed over this daemon's runs (from its heartbeat). */
  readonly framesTotal: number;
  /** Heartbeats in which ffmpeg's output time advanced: the supervisor's own notion of progress. */
  readonly progressTotal: number;
}

export interface CameraRecorderDeps {
  camera: CameraSpec;
  settings: RecorderSettings;
  recordingsDir: string;
  spawner: Spawner;
  clock: Clock;
  log: Logger;
  sink: RecorderSink;
  random?: () => number;
  /** Called after each heartbeat in which ffmpeg made progress (the pool's clock check). */
  onProgress?: () => void;
}

export class CameraRecorder {
  private run: RecordingRun | null = null;
  private state: RecorderState = 'stopped';
  private sinceMs: number;
  private restarts = 0;
  private lastError: string | null = null;
  private lastSegmentEndMs: number | null = null;
  private lastSegmentClosedAtMs: number | null = null;
  private lastProgressMono = 0;
  private lastOutTimeUs = -1;
  private lastFrame = 0;
  private framesTotal = 0;
  private progressTotal = 0;
  private stream: StreamInfo | null = null;
  private pendingEndReason: RunEndReason | null = null;
  private dropAudio = false;
  private silentAnswers = 0;
  private closing = false;
  /** Why recording is paused (retention: only held footage left); null while not paused. */
  private pausedReason: string | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private lastRunKey = '';
  private readonly policy: RestartPolicy;

  constructor(private readonly deps: CameraRecorderDeps) {
    this.sinceMs = deps.clock.nowMs();
    this.policy = new RestartPolicy({
      initialMs: deps.settings.restartBackoffInitialMs,
      maxMs: deps.settings.restartBackoffMaxMs,
      maxRestartsPerHour: deps.settings.maxRestartsPerHour,
    }, deps.random);
  }

  get cameraId(): string { return this.deps.camera.id; }

  start(): void {
    if (!this.deps.camera.enabled) { this.setState('disabled'); return; }
    this.launch();
  }

  status(): RecorderStatus {
    return {
      cameraId: this.deps.camera.id,
      state: this.state,
      sinceMs: this.sinceMs,
      lastSegmentEndMs: this.lastSegmentEndMs,
      lastSegmentClosedAtMs: this.lastSegmentClosedAtMs,
      restarts: this.restarts,
      lastError: this.lastError,
      stream: this.stream,
      pid: this.run?.pid ?? null,
    };
  }

  counters(): RecorderCounters {
    return { cameraId: this.deps.camera.id, framesTotal: this.framesTotal, progressTotal: this.progressTotal };
  }

  /** End the current run now and start a new one (used when the box's clock steps). */
  restartNow(reason: RunEndReason, detail: string): void {
    if (!this.run || this.closing) return;
    this.deps.log.warn({ reason, detail }, 'ending run');
    this.pendingEndReason = reason;
    this.lastError = detail;
    void this.run.stop(this.deps.settings.stopTimeoutMs);
  }

  /**
   * Stop recording until resume() (retention pauses when the disk is full of held
   * footage): ffmpeg closes its segment, and no restart is scheduled meanwhile.
   */
  pause(reason: string): void {
    if (this.pausedReason !== null || this.closing || !this.deps.camera.enabled) return;
    this.pausedReason = reason;
    this.lastError = `paused: ${reason}`;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.setState('paused');
    if (this.run) {
      this.pendingEndReason = 'stopped';
      void this.run.stop(this.deps.settings.stopTimeoutMs);
    }
  }

  /** Record again at once (no backoff: the pause was ours, not the camera's). */
  resume(): void {
    if (this.pausedReason === null || this.closing) return;
    this.pausedReason = null;
    this.lastError = null;
    if (!this.run && !this.restartTimer) this.launch();
  }

  /** Graceful stop: ffmpeg closes its open segment (indexed), then the run ends. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const run = this.run;
    if (run) {
      this.pendingEndReason = 'stopped';
      await run.stop(this.deps.settings.stopTimeoutMs);
    }
    this.setState(this.deps.camera.enabled ? 'stopped' : 'disabled');
  }

  private launch(): void {
    this.restartTimer = null;
    if (this.closing || this.pausedReason !== null) return;
    const nowMs = this.deps.clock.nowMs();
    let runKey = makeRunKey(nowMs, this.deps.random);
    while (runKey === this.lastRunKey) runKey = makeRunKey(nowMs, this.deps.random);
    this.lastRunKey = runKey;
    const run = new RecordingRun(
      { spawner: this.deps.spawner, clock: this.deps.clock, log: this.deps.log.child({ run: runKey }), ffmpegPath: this.deps.settings.ffmpegPath, recordingsDir: this.deps.recordingsDir },
      {
        camera: this.deps.camera, runKey, segmentSeconds: this.deps.settings.segmentSeconds,
        rtspTimeoutSeconds: this.deps.settings.rtspTimeoutSeconds, dropAudio: this.dropAudio,
        tagHevcAsHvc1: this.stream?.videoCodec === 'hevc',
        progressPeriodSeconds: progressPeriodFor(this.deps.settings.stallTimeoutMs),
      },
      {
        started: (e) => this.onStarted(e),
        segment: (e) => this.onSegment(e),
        progress: (s) => this.onProgress(s),
        closed: (r) => this.onRunClosed(run, r),
      },
    );
    this.run = run;
    this.pendingEndReason = null;
    this.lastOutTimeUs = -1;
    this.lastFrame = 0;
    this.lastProgressMono = this.deps.clock.monotonicMs();
    this.setState('connecting');
    try {
      mkdirSync(run.outputFolder, { recursive: true });
      run.start();
    } catch (err) {
      this.lastError = `cannot start recording: ${(err as Error).message}`;
      this.deps.log.error({ err: this.lastError }, 'run failed to start');
      this.run = null;
      this.scheduleRestart();
    }
  }

  private onStarted(e: RunStartedEvent): void {
    this.stream = e.stream;
    this.deps.log.info({ anchorMs: e.anchorMs, connectMs: e.anchorMs - e.spawnedAtMs, stream: e.stream }, 'run started');
    this.deps.sink.runStarted(e);
  }

  private onSegment(e: SegmentClosedEvent): void {
    this.lastSegmentEndMs = e.endMs;
    this.lastSegmentClosedAtMs = e.observedCloseMs;
    this.policy.noteHealthy();
    this.deps.sink.segmentClosed(e);
  }

  private onProgress(sample: ProgressSample): void {
    if (sample.outTimeUs === null || sample.outTimeUs <= this.lastOutTimeUs) return;
    this.lastOutTimeUs = sample.outTimeUs;
    this.lastProgressMono = this.deps.clock.monotonicMs();
    this.progressTotal += 1;
    // frame= counts from 0 in each run; only its increase is added.
    if (sample.frame !== null && sample.frame > this.lastFrame) {
      this.framesTotal += sample.frame - this.lastFrame;
      this.lastFrame = sample.frame;
    }
    if (this.state !== 'recording' && !this.closing && this.pendingEndReason === null) {
      this.lastError = null;
      this.setState('recording');
    }
    this.deps.onProgress?.();
  }

  /** Monotonic time at which this recorder counts as stalled; null while no run is watched. */
  stallDeadlineMono(): number | null {
    if (!this.run || this.closing || this.pendingEndReason !== null) return null;
    return this.lastProgressMono + this.deps.settings.stallTimeoutMs;
  }

  /**
   * Stall watchdog: ffmpeg alive but its media time has not advanced. Called by the pool's
   * one timer for all cameras, at the earliest stallDeadlineMono (a timer per camera woke
   * the daemon once per camera per second).
   */
  checkProgress(): void {
    if (!this.run || this.closing || this.pendingEndReason !== null) return;
    const silentMs = this.deps.clock.monotonicMs() - this.lastProgressMono;
    if (silentMs < this.deps.settings.stallTimeoutMs) return;
    this.pendingEndReason = 'stalled';
    this.lastError = `no media for ${Math.round(silentMs / 1000)} s`;
    this.setState('stalled');
    this.deps.log.warn({ silentMs }, 'stream stalled; restarting ffmpeg');
    void this.run.stop(Math.min(this.deps.settings.stopTimeoutMs, 5000));
  }

  private onRunClosed(run: RecordingRun, result: RunResult): void {
    if (this.run !== run) return;
    this.run = null;
    const reason: RunEndReason = this.pendingEndReason ?? 'camera-disconnected';
    if (result.stream) this.stream = result.stream;
    if (reason === 'camera-disconnected') this.lastError = result.lastError ?? `ffmpeg exited (${result.exitCode ?? result.signal})`;
    this.adaptToFailure(result);
    if (result.abandoned) this.deps.sink.segmentAbandoned({ cameraId: this.cameraId, runKey: run.runKey, ...result.abandoned });
    // The run has rows (or will: an abandoned file creates its run) → it gets an end.
    if (result.anchored || result.segmentsClosed > 0 || result.abandoned) {
      this.deps.sink.runEnded({ cameraId: this.cameraId, runKey: run.runKey, endedAtMs: this.deps.clock.nowMs(), reason, detail: reason === 'stopped' ? this.pausedReason && `paused: ${this.pausedReason}` : this.lastError });
    }
    this.deps.log.info({ exitCode: result.exitCode, signal: result.signal, reason, segments: result.segmentsClosed, lastError: this.lastError }, 'run ended');
    if (this.closing) return;
    if (this.pausedReason !== null) { this.setState('paused'); return; }
    if (reason === 'clock-step') { this.launch(); return; }
    this.scheduleRestart();
  }

  /**
   * A camera that answered (its input was described) but produced no footage, while
   * audio was being converted, is retried without audio: audio must never make a
   * recording fail.
   */
  private adaptToFailure(result: RunResult): void {
    const answered = result.stream !== null && result.stream.videoCodec !== null;
    const answeredButSilent = answered && !result.anchored && result.segmentsClosed === 0;
    this.silentAnswers = answeredButSilent ? this.silentAnswers + 1 : 0;
    if (this.silentAnswers >= 2 && !this.dropAudio && this.deps.camera.audio !== 'off' && result.stream?.audioCodec) {
      this.dropAudio = true;
      this.deps.log.warn({ audioCodec: result.stream.audioCodec }, 'camera answered but nothing was recorded; retrying without audio');
    }
    if (result.stream && result.stream.videoCodec === null) this.lastError = 'the stream has no video';
  }

  private scheduleRestart(): void {
    const nowMono = this.deps.clock.monotonicMs();
    const { delayMs, limited } = this.policy.nextDelay(nowMono);
    if (limited) {
      this.setState('failed');
      this.deps.log.error({ delayMs }, 'restart budget for the hour spent; waiting');
    } else if (this.state !== 'stalled') {
      this.setState('connecting');
    }
    this.restartTimer = setTimeout(() => {
      this.restarts += 1;
      this.policy.noteRestart(this.deps.clock.monotonicMs());
      this.launch();
    }, delayMs);
    this.restartTimer.unref();
  }

  private setState(state: RecorderState): void {
    if (state === this.state) return;
    this.state = state;
    this.sinceMs = this.deps.clock.nowMs();
  }
}
