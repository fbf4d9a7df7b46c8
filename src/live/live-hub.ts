/**
 * Live view for the whole box: at most one LiveStream (one ffmpeg, one RTSP session) per
 * camera stream, however many officers watch it; cameras limit their RTSP sessions and
 * the recorder already holds one. The grid watches the low-resolution sub-stream, full
 * screen the main stream. The hub caps the number of streams so a page opened on every
 * camera cannot take the CPU and network the recorders need.
 */
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { LiveStream, systemTimers, type LiveSettings, type LiveViewer, type Timers } from './live-stream.js';

export type LiveQuality = 'main' | 'sub';

export interface LiveSource {
  readonly cameraId: string;
  readonly quality: LiveQuality;
  /** RTSP URL with credentials; stays inside the hub and ffmpeg's argv. */
  readonly url: string;
}

export interface LiveHubDeps {
  readonly spawner: Spawner;
  readonly log: Logger;
  readonly timers?: Timers;
  readonly settings?: Partial<LiveSettings>;
  /** Camera streams copied at once, over all viewers. */
  readonly maxStreams?: number;
}

export interface LiveStreamStats {
  readonly key: string;
  readonly viewers: number;
  readonly pid: number | null;
}

export const defaultLiveSettings: LiveSettings = {
  ffmpegPath: 'ffmpeg',
  rtspTimeoutSeconds: 5,
  lingerMs: 10_000,
  viewerBufferBytes: 2 * 1024 * 1024,
  gopCacheBytes: 8 * 1024 * 1024,
  firstFragmentTimeoutMs: 20_000,
  stopTimeoutMs: 3_000,
};

/** What the api needs of live view (ApiDeps.live). */
export interface LivePort {
  /** Starts or joins the stream; returns the function that detaches the viewer. */
  watch(source: LiveSource, viewer: LiveViewer): () => void;
  stats(): LiveStreamStats[];
}

export class LiveHub implements LivePort {
  private readonly streams = new Map<string, LiveStream>();
  private readonly stopping = new Set<LiveStream>();
  private readonly settings: LiveSettings;
  private closed = false;

  constructor(private readonly deps: LiveHubDeps) {
    this.settings = { ...defaultLiveSettings, ...deps.settings };
  }

  watch(source: LiveSource, viewer: LiveViewer): () => void {
    if (this.closed) throw new NvrError('UNAVAILABLE', 'the box is shutting down');
    const key = `${source.cameraId}/${source.quality}`;
    let stream = this.streams.get(key);
    if (stream && stream.url !== source.url) {
      stream.stop({ reason: 'replaced', message: 'the camera settings changed: reconnect' });
      stream = undefined;
    }
    if (!stream) stream = this.open(key, source.url);
    stream.add(viewer);
    const joined = stream;
    return () => joined.remove(viewer);
  }

  stats(): LiveStreamStats[] {
    return [...this.streams.values()].map((s) => ({ key: s.key, viewers: s.viewerCount, pid: s.pid }));
  }

  /** Stops every stream and waits for their ffmpeg processes to exit. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.streams.values(), ...this.stopping];
    for (const stream of all) stream.stop({ reason: 'closing', message: 'the box is shutting down' });
    await Promise.all(all.map((s) => s.exited));
  }

  private open(key: string, url: string): LiveStream {
    const max = this.deps.maxStreams ?? 16;
    if (this.streams.size >= max) {
      throw new NvrError('UNAVAILABLE', `${this.streams.size} camera streams are already live (at most ${max}): close a live view and try again`);
    }
    const stream: LiveStream = new LiveStream({
      key, url, settings: this.settings, spawner: this.deps.spawner, timers: this.deps.timers ?? systemTimers,
      log: this.deps.log,
      onStopped: (s) => {
        if (this.streams.get(key) === s) this.streams.delete(key);
        this.stopping.add(s);
        void s.exited.then(() => this.stopping.delete(s));
      },
    });
    this.streams.set(key, stream);
    stream.start();
    return stream;
  }
}
