/**
 * Warm still processes: ffmpeg already started (its ~80 ms of loading libraries paid
 * before any request) and blocked reading an MP4 on stdin. Each serves exactly one still,
 * then exits; a replacement is started as soon as one is taken.
 *
 * A warm process cannot learn the picture size after it started, so processes are kept per
 * size: full size always, plus the width most recently asked for (the multi-camera answer
 * asks for one thumbnail width, 480, over and over). A width without warm processes goes
 * through the spawn path once and is warm from then on; a different width replaces it.
 *
 * The frame is chosen by `trim=start=P` on the decoded frames, P fixed at spawn, with
 * -copyts so it compares the raw presentation times the feed was patched to (still-feed).
 * trim must come first in -vf: an output `-ss P` would trim only after the conversion to
 * the encoder's pixel format, converting every frame of the GOP (3x the decode cost at
 * 1080p, measured), where input seeking in the spawn path drops them before it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { jpegOutputArgs, watchJpeg, type JpegWatch } from './still-process.js';

/** The presentation time (seconds) a warm process picks its frame at. */
export const warmPresentationSec = 1000;

/** Warm processes that die idle this many times in a row stop the warming (logged once). */
const maxIdleDeaths = 3;

export interface WarmStillsDeps {
  readonly spawner: Spawner;
  readonly ffmpegPath: string;
  readonly log: Logger;
  /** Idle processes kept per picture size; 0 turns the warm path off. */
  readonly processes: number;
  /** Decoder threads per process. */
  readonly threads: number;
}

export interface WarmProcess {
  readonly child: ChildProcess;
  readonly watch: JpegWatch;
}

/** Picture size of a process: 0 = full size. */
type SizeKey = number;

export class WarmStills {
  private readonly idle = new Map<SizeKey, WarmProcess[]>();
  private readonly live = new Set<WarmProcess>();
  private warmWidth: number | null = null;
  private idleDeaths = 0;
  private started = false;
  private closed = false;

  constructor(private readonly deps: WarmStillsDeps) {}

  /** Start the full-size processes (idempotent; nothing once closed or with 0 processes). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.fill(0);
  }

  /**
   * A warm process for this size, taken out of the pool (its replacement is starting), or
   * null when none is ready: the caller uses the spawn path.
   */
  take(width?: number): WarmProcess | null {
    this.start();
    const key = width ?? 0;
    if (key !== 0 && key !== this.warmWidth) this.switchWidth(key);
    const proc = this.idle.get(key)?.shift() ?? null;
    this.fill(key);
    return proc;
  }

  /** False when no warm process will come: 0 configured, closed, or warming gave up. */
  get enabled(): boolean {
    return this.deps.processes > 0 && !this.closed && this.idleDeaths < maxIdleDeaths;
  }

  /** A request served from a warm process: warming works, whatever died before. */
  served(): void {
    this.idleDeaths = 0;
  }

  /** Kill every process and wait until all are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live];
    for (const p of all) p.child.kill('SIGKILL');
    await Promise.all(all.map((p) => p.watch.exited));
  }

  private switchWidth(width: number): void {
    if (this.warmWidth !== null) this.drop(this.warmWidth);
    this.warmWidth = width;
  }

  private drop(key: SizeKey): void {
    for (const p of this.idle.get(key) ?? []) p.child.kill('SIGKILL');
    this.idle.delete(key);
  }

  private fill(key: SizeKey): void {
    const list = this.idle.get(key) ?? [];
    this.idle.set(key, list);
    while (!this.closed && this.idleDeaths < maxIdleDeaths && list.length < this.deps.processes) list.push(this.spawn(key));
  }

  private spawn(key: SizeKey): WarmProcess {
    const vf = `trim=start=${warmPresentationSec}${key === 0 ? '' : `,scale=${key}:-2`}`;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-threads', String(this.deps.threads),
      '-copyts', '-f', 'mp4', '-i', 'pipe:0',
      '-map', '0:v:0', '-an', '-vf', vf, ...jpegOutputArgs,
    ];
    const child = this.deps.spawner(this.deps.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'], parentDeathSignal: 'KILL' });
    const proc: WarmProcess = { child, watch: watchJpeg(child) };
    this.live.add(proc);
    void proc.watch.exited.then((exit) => {
      this.live.delete(proc);
      const list = this.idle.get(key);
      const at = list?.indexOf(proc) ?? -1;
      if (at < 0 || this.closed) return;
      // Died before serving (killed from outside, or ffmpeg cannot start): replace it, a few times.
      list!.splice(at, 1);
      this.idleDeaths += 1;
      const detail = { width: key || null, code: exit.code, signal: exit.signal, stderr: exit.stderr.slice(0, 300) };
      if (this.idleDeaths === maxIdleDeaths) this.deps.log.warn(detail, 'warm still processes keep dying; stills use a new ffmpeg each');
      else this.deps.log.debug(detail, 'warm still process died idle');
      this.fill(key);
    });
    return proc;
  }
}
