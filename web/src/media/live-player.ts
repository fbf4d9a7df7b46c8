/**
 * Live view in the browser: the camera's own stream (no transcoding) arrives over a
 * WebSocket as fragmented MP4 and is appended to a MediaSource. The codec string comes
 * from the init segment, and MediaSource.isTypeSupported decides before anything is
 * appended: a stream the browser cannot decode (H.265 in Chromium on Linux) is reported
 * as 'unsupported' so the page shows the sub-stream or a clear message, never a black box.
 * The player stays near the live edge, keeps its buffer short, and reconnects after the
 * stream ends (camera restart, network loss) with a growing pause.
 */
import { codecString } from './mp4';

export type LiveQuality = 'main' | 'sub';

export interface LiveHello { type: 'stream'; cameraId: string; quality: LiveQuality; requested: LiveQuality; hasSubStream: boolean }

export type LiveStatus =
  | { kind: 'connecting' }
  | { kind: 'playing'; codec: string; quality: LiveQuality }
  | { kind: 'unsupported'; codec: string; quality: LiveQuality; hasSubStream: boolean }
  | { kind: 'ended'; message: string; retryInMs: number };

export interface LivePlayerOptions {
  video: HTMLVideoElement;
  cameraId: string;
  quality: LiveQuality;
  onStatus: (status: LiveStatus) => void;
}

type MediaSourceCtor = typeof MediaSource;

function mediaSourceClass(): MediaSourceCtor | null {
  const w = window as unknown as { ManagedMediaSource?: MediaSourceCtor; MediaSource?: MediaSourceCtor };
  // iPhone Safari (17.1+) has only ManagedMediaSource.
  return w.ManagedMediaSource ?? w.MediaSource ?? null;
}

export function liveSocketUrl(cameraId: string, quality: LiveQuality): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/v1/cameras/${encodeURIComponent(cameraId)}/live?quality=${quality}`;
}

const maxLagSec = 3;
const keepBehindSec = 10;
const silentLimitMs = 10_000;

export class LivePlayer {
  private ws: WebSocket | null = null;
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private queue: ArrayBuffer[] = [];
  private hello: LiveHello | null = null;
  private codec = '';
  private endMessage = '';
  private retryMs = 1000;
  private retryTimer = 0;
  private watchdog = 0;
  private lastDataAt = 0;
  private startedAt = 0;
  private disposed = false;
  private finalState = false;

  constructor(private readonly opts: LivePlayerOptions) {}

  start(): void {
    this.startedAt = performance.now();
    this.opts.onStatus({ kind: 'connecting' });
    const ws = new WebSocket(liveSocketUrl(this.opts.cameraId, this.opts.quality));
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => this.onMessage(ev.data as ArrayBuffer | string);
    ws.onclose = () => this.onClose();
    this.ws = ws;
    this.lastDataAt = Date.now();
    this.watchdog = window.setInterval(() => {
      if (Date.now() - this.lastDataAt > silentLimitMs) ws.close();
    }, 2000);
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.retryTimer);
    this.teardown();
  }

  private teardown(): void {
    window.clearInterval(this.watchdog);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
    this.queue = [];
    this.buffer = null;
    if (this.source && this.source.readyState === 'open') {
      try { this.source.endOfStream(); } catch { /* already ending */ }
    }
    this.source = null;
    const { video } = this.opts;
    if (video.src.startsWith('blob:')) URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
    video.load();
  }

  private onMessage(data: ArrayBuffer | string): void {
    this.lastDataAt = Date.now();
    if (typeof data === 'string') {
      const msg = JSON.parse(data) as LiveHello | { type: 'end'; message?: string };
      if (msg.type === 'stream') this.hello = msg;
      else if (msg.type === 'end') this.endMessage = msg.message ?? '';
      return;
    }
    if (!this.source) this.onInit(data);
    else this.enqueue(data);
  }

  private onInit(init: ArrayBuffer): void {
    const quality = this.hello?.quality ?? this.opts.quality;
    const codec = codecString(init) ?? 'unknown';
    const mime = `video/mp4; codecs="${codec}"`;
    const Source = mediaSourceClass();
    if (!Source || !Source.isTypeSupported(mime)) {
      this.finalState = true;
      this.teardown();
      this.opts.onStatus({ kind: 'unsupported', codec, quality, hasSubStream: this.hello?.hasSubStream ?? false });
      return;
    }
    this.codec = codec;
    const source = new Source();
    this.source = source;
    const { video } = this.opts;
    video.disableRemotePlayback = true;
    video.muted = true;
    video.src = URL.createObjectURL(source);
    source.addEventListener('sourceopen', () => {
      if (this.source !== source) return; // torn down (socket closed) before the source opened
      const buffer = source.addSourceBuffer(mime);
      buffer.mode = 'segments';
      buffer.addEventListener('updateend', () => this.afterAppend(buffer));
      this.buffer = buffer;
      this.appendNext();
    }, { once: true });
    this.queue.push(init);
    video.addEventListener('playing', () => this.onPlaying(quality), { once: true });
  }

  private onPlaying(quality: LiveQuality): void {
    const { video } = this.opts;
    // Time to first frame, read by tests and the bench (docs/performance.md).
    video.dataset['firstFrameMs'] = String(Math.round(performance.now() - this.startedAt));
    this.retryMs = 1000;
    this.opts.onStatus({ kind: 'playing', codec: this.codec, quality });
  }

  private enqueue(fragment: ArrayBuffer): void {
    this.queue.push(fragment);
    this.appendNext();
  }

  private appendNext(): void {
    const { buffer } = this;
    if (!buffer || buffer.updating || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    try {
      buffer.appendBuffer(next);
    } catch {
      // QuotaExceeded or a closed source: start over rather than freeze on an old frame.
      this.ws?.close();
    }
  }

  private afterAppend(buffer: SourceBuffer): void {
    const { video } = this.opts;
    // An append that finished after a teardown: the buffer belongs to a closed source.
    if (buffer !== this.buffer || this.source?.readyState !== 'open') return;
    const ranges = buffer.buffered;
    if (ranges.length > 0) {
      const start = ranges.start(0);
      const end = ranges.end(ranges.length - 1);
      // Stay near the live edge: a tab in the background or a slow decoder falls behind.
      if (video.currentTime < start || end - video.currentTime > maxLagSec) video.currentTime = Math.max(start, end - 0.5);
      if (video.paused) void video.play().catch(() => {});
      if (video.currentTime - start > keepBehindSec * 2 && !buffer.updating) {
        buffer.remove(start, video.currentTime - keepBehindSec);
        return; // updateend fires again after the removal
      }
    }
    this.appendNext();
  }

  private onClose(): void {
    if (this.disposed || this.finalState) return;
    const message = this.endMessage;
    this.endMessage = '';
    this.teardown();
    const retryInMs = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 15_000);
    this.opts.onStatus({ kind: 'ended', message, retryInMs });
    this.retryTimer = window.setTimeout(() => this.start(), retryInMs);
  }
}
