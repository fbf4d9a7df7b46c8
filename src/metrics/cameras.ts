/**
 * Per-camera metrics. State comes from the recorders' status at scrape time; segments and
 * bytes from the index sink as each segment closes; fps is measured from ffmpeg's frame
 * counter between samples (the daemon's system loop calls sample()), bitrate from the
 * size and media length of the last closed segment. Nothing here polls or sleeps.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { RecorderState, RecorderStatus, SegmentClosedEvent } from '../core/types.js';
import type { RecorderCounters } from '../recorder/camera-recorder.js';

export interface CameraSources {
  clock: Clock;
  statuses: () => readonly RecorderStatus[];
  counters: () => readonly RecorderCounters[];
}

/** Every RecorderState: the compiler refuses this line when a state is added and not listed. */
const stateSet: Record<RecorderState, true> = { recording: true, connecting: true, stalled: true, failed: true, disabled: true, stopped: true, paused: true };
const states = Object.keys(stateSet) as RecorderState[];
/** fps is averaged over at least this long, so one late heartbeat does not swing it. */
const fpsWindowMs = 5000;

export class CameraMetrics {
  private readonly segments: Counter<'camera'>;
  private readonly bytes: Counter<'camera'>;
  private readonly bitrate = new Map<string, number>();
  private readonly fps = new Map<string, number>();
  private readonly fpsFrom = new Map<string, { mono: number; frames: number }>();

  constructor(registry: Registry, private readonly src: CameraSources) {
    const registers = [registry];
    const ids = () => src.statuses().map((s) => s.cameraId);
    const gauge = (name: string, help: string, value: (s: RecorderStatus) => number | null) => new Gauge({
      name, help, labelNames: ['camera'], registers,
      collect() {
        this.reset();
        for (const s of src.statuses()) { const v = value(s); if (v !== null) this.set({ camera: s.cameraId }, v); }
      },
    });
    gauge('nvr_camera_up', '1 while the camera is recording', (s) => (s.state === 'recording' ? 1 : 0));
    gauge('nvr_camera_last_segment_age_seconds', 'Seconds since the camera\'s last segment closed (absent before the first)',
      (s) => (s.lastSegmentClosedAtMs === null ? null : Math.max(0, src.clock.nowMs() - s.lastSegmentClosedAtMs) / 1000));
    gauge('nvr_camera_fps', 'Frames per second ffmpeg wrote, measured over the last few seconds', (s) => this.fps.get(s.cameraId) ?? null);
    gauge('nvr_camera_bitrate_bits_per_second', 'Bitrate of the camera\'s last closed segment (size / media length)', (s) => this.bitrate.get(s.cameraId) ?? null);
    new Gauge({
      name: 'nvr_camera_state', help: 'The recorder state of each camera (1 for the current one)', labelNames: ['camera', 'state'], registers,
      collect() {
        this.reset();
        for (const s of src.statuses()) for (const state of states) this.set({ camera: s.cameraId, state }, s.state === state ? 1 : 0);
      },
    });
    monotonic(registry, 'nvr_camera_restarts_total', 'ffmpeg restarts of the camera since the daemon started', () => src.statuses().map((s) => [s.cameraId, s.restarts]));
    monotonic(registry, 'nvr_camera_frames_total', 'Frames ffmpeg wrote for the camera since the daemon started', () => src.counters().map((c) => [c.cameraId, c.framesTotal]));
    const zeroFor = (counter: Counter<'camera'>) => { for (const camera of ids()) counter.inc({ camera }, 0); };
    this.segments = new Counter({ name: 'nvr_camera_segments_total', help: 'Segments closed and handed to the index', labelNames: ['camera'], registers, collect() { zeroFor(this); } });
    this.bytes = new Counter({ name: 'nvr_camera_written_bytes_total', help: 'Bytes of closed segments', labelNames: ['camera'], registers, collect() { zeroFor(this); } });
  }

  segmentClosed(e: SegmentClosedEvent): void {
    this.segments.inc({ camera: e.cameraId });
    this.bytes.inc({ camera: e.cameraId }, e.sizeBytes);
    if (e.mediaDurationMs > 0) this.bitrate.set(e.cameraId, Math.round((e.sizeBytes * 8 * 1000) / e.mediaDurationMs));
  }

  /** Measures fps from the frame counters; call every few seconds. */
  sample(): void {
    const mono = this.src.clock.monotonicMs();
    const recording = new Set(this.src.statuses().filter((s) => s.state === 'recording').map((s) => s.cameraId));
    for (const c of this.src.counters()) {
      const from = this.fpsFrom.get(c.cameraId);
      if (!from || c.framesTotal < from.frames) { this.fpsFrom.set(c.cameraId, { mono, frames: c.framesTotal }); continue; }
      if (mono - from.mono < fpsWindowMs) continue;
      // A camera that is not recording delivers no frames: 0, not its last good figure.
      this.fps.set(c.cameraId, recording.has(c.cameraId) ? ((c.framesTotal - from.frames) * 1000) / (mono - from.mono) : 0);
      this.fpsFrom.set(c.cameraId, { mono, frames: c.framesTotal });
    }
  }
}

/** A counter whose value is owned elsewhere (a monotonic total): copied at scrape time. */
function monotonic(registry: Registry, name: string, help: string, read: () => [string, number][]): void {
  new Counter({
    name, help, labelNames: ['camera'], registers: [registry],
    collect() {
      this.reset();
      for (const [camera, value] of read()) this.inc({ camera }, value);
    },
  });
}
