/**
 * Playback of recorded footage: the API's HLS playlist (stream copy, program date-time on
 * every entry, a discontinuity at every gap) played by hls.js (light build, loaded only
 * when an officer first plays something). Media time is mapped to wall time through the
 * playlist's dates, so the page shows and seeks in real clock time across gaps. Keyframe
 * times are read from the fragments as they load, for stepping keyframe by keyframe.
 */
import type HlsType from 'hls.js';
import type { Fragment } from 'hls.js';
import { apiUrl } from '../api';
import { fragmentStarts, videoTimescale } from './mp4';

export type PlaybackStatus =
  | { kind: 'loading' }
  | { kind: 'ready' }
  | { kind: 'unsupported' }
  | { kind: 'error'; status: number | null; message: string };

export interface PlaybackOptions {
  video: HTMLVideoElement;
  cameraId: string;
  fromMs: number;
  toMs: number;
  /** Wall time to start at (inside [fromMs, toMs)). */
  startAtMs: number;
  onStatus: (status: PlaybackStatus) => void;
}

let hlsModule: Promise<typeof HlsType> | null = null;

function loadHls(): Promise<typeof HlsType> {
  hlsModule ??= import('hls.js/light').then((m) => m.default);
  return hlsModule;
}

export class Playback {
  private hls: HlsType | null = null;
  /** Keyframe offsets (s) from the start of each loaded playlist entry, by its sequence number. */
  private keyOffsets = new Map<number, number[]>();
  private disposed = false;
  readonly fromMs: number;
  readonly toMs: number;

  constructor(private readonly opts: PlaybackOptions) {
    this.fromMs = opts.fromMs;
    this.toMs = opts.toMs;
  }

  async start(): Promise<void> {
    const { opts } = this;
    opts.onStatus({ kind: 'loading' });
    const Hls = await loadHls();
    if (this.disposed) return;
    if (!Hls.isSupported()) {
      opts.onStatus({ kind: 'unsupported' });
      return;
    }
    // No worker: the fragments are fMP4 (nothing to transmux) and the keyframe reader needs the bytes.
    const hls = new Hls({ enableWorker: false, autoStartLoad: false, maxBufferLength: 20, backBufferLength: 30 });
    this.hls = hls;
    // From the event's own details: hls.levels may not hold them yet while it is dispatched.
    hls.once(Hls.Events.LEVEL_LOADED, (_e, data) => hls.startLoad(this.mediaTimeOf(opts.startAtMs, data.details.fragments) ?? 0));
    hls.on(Hls.Events.FRAG_LOADED, (_e, data) => this.learnKeyframes(data.frag, data.payload));
    hls.on(Hls.Events.MANIFEST_PARSED, () => opts.onStatus({ kind: 'ready' }));
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (/codec/i.test(data.details)) opts.onStatus({ kind: 'unsupported' });
      else opts.onStatus({ kind: 'error', status: data.response?.code ?? null, message: data.details });
      hls.destroy();
      this.hls = null;
    });
    hls.loadSource(apiUrl(`/cameras/${encodeURIComponent(opts.cameraId)}/playlist.m3u8`, { from: opts.fromMs, to: opts.toMs }));
    hls.attachMedia(opts.video);
  }

  dispose(): void {
    this.disposed = true;
    this.hls?.destroy();
    this.hls = null;
  }

  private fragments(): Fragment[] {
    return this.hls?.levels[0]?.details?.fragments ?? [];
  }

  /** Wall time (epoch ms) shown at media time t; null outside the loaded playlist. */
  wallTimeOf(t: number): number | null {
    for (const frag of this.fragments()) {
      if (frag.programDateTime !== null && t >= frag.start && t < frag.start + frag.duration + 0.001) {
        return Math.round(frag.programDateTime + (t - frag.start) * 1000);
      }
    }
    return null;
  }

  /** Media time of wall time ms; inside a gap, the start of the footage after it. */
  mediaTimeOf(ms: number, fragments: readonly Fragment[] = this.fragments()): number | null {
    for (const frag of fragments) {
      const pdt = frag.programDateTime;
      if (pdt === null) continue;
      if (ms < pdt) return frag.start; // in a gap (or before the first entry)
      if (ms < pdt + frag.duration * 1000) return frag.start + (ms - pdt) / 1000;
    }
    return null;
  }

  currentWallMs(): number | null {
    return this.wallTimeOf(this.opts.video.currentTime);
  }

  private fragmentAt(t: number): Fragment | undefined {
    return this.fragments().find((f) => t >= f.start && t < f.start + f.duration);
  }

  /**
   * Seek to a wall time of the same recorded run as the playing instant; false otherwise
   * (the caller loads a playlist starting there). hls.js places entries after a
   * discontinuity by estimate until it loads them, so a seek across a gap could land
   * seconds off; inside a run the entries' durations are exact.
   */
  seekWall(ms: number): boolean {
    if (ms < this.fromMs || ms >= this.toMs) return false;
    const t = this.mediaTimeOf(ms);
    const here = this.fragmentAt(this.opts.video.currentTime);
    if (t === null || !here || this.fragmentAt(t)?.cc !== here.cc) return false;
    this.opts.video.currentTime = t;
    return true;
  }

  /** Pause on the next (+1) or previous (-1) keyframe; false when there is none in this playlist. */
  stepKeyframe(direction: 1 | -1): boolean {
    const { video } = this.opts;
    video.pause();
    const now = video.currentTime;
    // Computed now, not when loaded: hls.js moves an entry's start to its real first
    // timestamp once parsed. Entries not loaded yet count their start (always a keyframe).
    const starts = this.fragments().flatMap((f) => (this.keyOffsets.get(Number(f.sn)) ?? [0]).map((o) => f.start + o));
    const target = direction > 0 ? starts.find((k) => k > now + 0.02) : [...starts].reverse().find((k) => k < now - 0.02);
    if (target === undefined) return false;
    video.currentTime = target + 0.001;
    return true;
  }

  private learnKeyframes(frag: Fragment, payload: ArrayBuffer): void {
    // The entry's init segment is loaded (without an event of its own) before the entry.
    const init = frag.initSegment?.data;
    const timescale = init ? videoTimescale(init) : null;
    if (payload.byteLength === 0 || frag.sn === 'initSegment' || !timescale) return;
    const starts = fragmentStarts(payload);
    const first = starts[0];
    if (!first) return;
    this.keyOffsets.set(Number(frag.sn), starts.filter((s) => s.key).map((s) => (s.decodeTime - first.decodeTime) / timescale));
  }
}
