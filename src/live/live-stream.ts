/**
 * One camera stream copied to any number of live viewers: one ffmpeg (`-c copy` into
 * fragmented MP4, no transcoding), its init segment and the fragments since the last
 * keyframe kept so a new viewer starts at once, and a bounded queue per viewer: a viewer
 * whose socket holds more than `viewerBufferBytes` unsent skips fragments until the next
 * keyframe (a slow phone never slows the others or grows the daemon's memory). The
 * stream stops `lingerMs` after its last viewer leaves, so a page reload or a switch
 * from grid to full screen does not reconnect to the camera.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';
import type { Spawner } from '../core/spawn.js';
import { Fmp4Splitter } from './fmp4-splitter.js';

export interface LiveEnd {
  /** 'ended': the camera stream stopped or failed; 'replaced': the camera's URL changed; 'closing': the daemon stops. */
  readonly reason: 'ended' | 'replaced' | 'closing';
  readonly message: string;
}

/** A viewer as the stream sees it (a WebSocket in the api, a plain object in tests). */
export interface LiveViewer {
  send(data: Buffer): void;
  /** Bytes given to send() that have not left the box yet. */
  bufferedBytes(): number;
  /** The stream is over for this viewer; it is already forgotten. */
  end(end: LiveEnd): void;
}

/** The timer port: linger and kill timeouts without real waiting in unit tests. */
export interface Timers {
  /** Calls fn after ms; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface LiveSettings {
  readonly ffmpegPath: string;
  readonly rtspTimeoutSeconds: number;
  /** Keep the camera connection this long after the last viewer left. */
  readonly lingerMs: number;
  /** Unsent bytes a viewer may hold before it skips to the next keyframe. */
  readonly viewerBufferBytes: number;
  /** Cap of the cached fragments since the last keyframe (a camera with a very long GOP). */
  readonly gopCacheBytes: number;
  /** No first fragment within this time: give up with a message (camera sends no keyframe). */
  readonly firstFragmentTimeoutMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  readonly stopTimeoutMs: number;
}

export interface LiveStreamDeps {
  readonly key: string;
  readonly url: string;
  readonly settings: LiveSettings;
  readonly spawner: Spawner;
  readonly timers: Timers;
  readonly log: Logger;
  /** The stream has stopped for good (the hub forgets it). */
  readonly onStopped: (stream: LiveStream) => void;
}

interface ViewerState {
  /** Skipping fragments until the next keyframe (joined without a cached GOP, or lagging). */
  waiting: boolean;
  droppedFragments: number;
}

/** The ffmpeg command of a live stream: video only, stream copy, fragments of <= 200 ms. */
export function liveFfmpegArgs(url: string, rtspTimeoutSeconds: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-rtsp_transport', 'tcp', '-timeout', String(rtspTimeoutSeconds * 1_000_000),
    '-i', url,
    '-map', '0:v:0', '-c', 'copy',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000',
    // Each fragment leaves the pipe whole, not 32 KB at a time behind the next one.
    '-flush_packets', '1',
    'pipe:1',
  ];
}

export class LiveStream {
  private readonly viewers = new Map<LiveViewer, ViewerState>();
  private child: ChildProcess | null = null;
  private init: Buffer | null = null;
  private gop: Buffer[] = [];
  private gopBytes = 0;
  private stderrTail = '';
  private stopping: LiveEnd | null = null;
  private cancelLinger: (() => void) | null = null;
  private cancelFirstFragment: (() => void) | null = null;
  private cancelKill: (() => void) | null = null;
  private fragments = 0;
  private resolveExited!: () => void;
  /** Resolves when ffmpeg has exited (or never started). */
  readonly exited = new Promise<void>((resolve) => { this.resolveExited = resolve; });

  constructor(private readonly deps: LiveStreamDeps) {}

  get url(): string { return this.deps.url; }
  get key(): string { return this.deps.key; }
  get viewerCount(): number { return this.viewers.size; }
  get stopped(): boolean { return this.stopping !== null; }
  get pid(): number | null { return this.child?.pid ?? null; }

  start(): void {
    const { settings, spawner, log } = this.deps;
    const child = spawner(settings.ffmpegPath, liveFfmpegArgs(this.deps.url, settings.rtspTimeoutSeconds), {
      stdio: ['ignore', 'pipe', 'pipe'], parentDeathSignal: 'KILL', newProcessGroup: true,
    });
    this.child = child;
    const splitter = new Fmp4Splitter({ onInit: (init) => this.onInit(init), onFragment: (f, key) => this.onFragment(f, key) });
    child.stdout!.on('data', (chunk: Buffer) => {
      try { splitter.push(chunk); } catch (err) { this.stop({ reason: 'ended', message: `unreadable stream: ${(err as Error).message}` }); }
    });
    child.stderr!.on('data', (chunk: Buffer) => { this.stderrTail = (this.stderrTail + chunk.toString()).slice(-1000); });
    child.on('error', (err) => {
      log.error({ err: err.message }, 'live ffmpeg could not start');
      // A process that never started sends no 'close': end its viewers here.
      if (child.pid === undefined) this.onExit(null, null);
    });
    child.on('close', (code, signal) => this.onExit(code, signal));
    this.cancelFirstFragment = this.deps.timers.after(settings.firstFragmentTimeoutMs, () => {
      this.stop({ reason: 'ended', message: `no video from the camera within ${Math.round(settings.firstFragmentTimeoutMs / 1000)} s` });
    });
    log.info({ key: this.deps.key, pid: child.pid }, 'live stream started');
  }

  add(viewer: LiveViewer): void {
    this.cancelLinger?.();
    this.cancelLinger = null;
    const cached = this.init !== null && this.gop.length > 0;
    this.viewers.set(viewer, { waiting: !cached, droppedFragments: 0 });
    if (this.init) viewer.send(this.init);
    if (cached) for (const fragment of this.gop) viewer.send(fragment);
  }

  remove(viewer: LiveViewer): void {
    if (!this.viewers.delete(viewer) || this.viewers.size > 0 || this.stopping) return;
    this.cancelLinger = this.deps.timers.after(this.deps.settings.lingerMs, () => this.stop({ reason: 'ended', message: 'nobody watches' }));
  }

  /** Ends every viewer with `end` and stops ffmpeg (SIGTERM, then SIGKILL). */
  stop(end: LiveEnd): void {
    if (this.stopping) return;
    this.stopping = end;
    for (const cancel of [this.cancelLinger, this.cancelFirstFragment]) cancel?.();
    const viewers = [...this.viewers.keys()];
    this.viewers.clear();
    for (const viewer of viewers) viewer.end(end);
    this.deps.onStopped(this);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.resolveExited();
      return;
    }
    child.kill('SIGTERM');
    this.cancelKill = this.deps.timers.after(this.deps.settings.stopTimeoutMs, () => child.kill('SIGKILL'));
  }

  private onInit(init: Buffer): void {
    this.init = init;
    for (const viewer of this.viewers.keys()) viewer.send(init);
  }

  private onFragment(fragment: Buffer, key: boolean): void {
    if (this.stopping) return;
    this.fragments += 1;
    if (this.fragments === 1) this.cancelFirstFragment?.();
    this.cache(fragment, key);
    const limit = this.deps.settings.viewerBufferBytes;
    for (const [viewer, state] of this.viewers) {
      if (state.waiting && !key) continue;
      if (viewer.bufferedBytes() > limit) {
        state.waiting = true;
        state.droppedFragments += 1;
        continue;
      }
      state.waiting = false;
      viewer.send(fragment);
    }
  }

  /** The fragments since the last keyframe, for the next viewer; dropped when over the cap. */
  private cache(fragment: Buffer, key: boolean): void {
    if (key) {
      this.gop = [];
      this.gopBytes = 0;
    } else if (this.gop.length === 0) {
      return; // the GOP's start was dropped: a late viewer must wait for the next keyframe
    }
    if (this.gopBytes + fragment.length > this.deps.settings.gopCacheBytes) {
      this.gop = [];
      this.gopBytes = 0;
      return;
    }
    this.gop.push(fragment);
    this.gopBytes += fragment.length;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.cancelKill?.();
    this.child = null;
    const detail = redactText(this.stderrTail.trim().split('\n').at(-1) ?? '');
    this.deps.log.info({ key: this.deps.key, code, signal, fragments: this.fragments, why: this.stopping?.message ?? detail }, 'live stream stopped');
    if (!this.stopping) {
      const message = `the camera stream ended${detail ? `: ${detail}` : ` (ffmpeg exit ${code ?? signal})`}`;
      this.stop({ reason: 'ended', message });
    }
    this.resolveExited();
  }

  /** Per-viewer drop counters, for the hub's figures and for tests. */
  droppedFragments(viewer: LiveViewer): number {
    return this.viewers.get(viewer)?.droppedFragments ?? 0;
  }
}
