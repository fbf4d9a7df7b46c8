/**
 * The frame at instant t as a JPEG: the first frame at or after t, i.e. within one frame
 * interval. Two ways to get it, both decoding from the keyframe before t forward (up to
 * one GOP of frames), so jobs of either run through one small limiter shared by every
 * caller:
 *
 * - warm path (still-warm, still-feed): an ffmpeg started before the request reads the
 *   segment's init and the one fragment (GOP) holding t from stdin, its timestamps
 *   patched so that the wanted frame is the first one at the process's fixed instant.
 *   Saves the ~80 ms an ffmpeg takes to start. Full size always has warm processes; of
 *   the widths (thumbnails), the one asked for last has them too: a started ffmpeg cannot
 *   learn its output size, and a thumbnail made from a warm full-size still by a second
 *   ffmpeg pays the start again (slower than the spawn path: bench/still.ts has the row).
 *   Measured on the 2-core box (bench/still.ts, 1080p25, 2 s GOP): docs/performance.md
 *   "Stills".
 * - spawn path: a new ffmpeg opens the segment with the seek before the input (`-ss` on
 *   that one file): it jumps to the keyframe before t, decodes forward and drops the frames
 *   before t. Used when no warm process is ready for the size, and for anything the warm
 *   path does not handle or that goes wrong on it (no fragment index, a codec it was not
 *   checked on, t past the last complete fragment, an ffmpeg error or timeout): such a
 *   failure is logged at debug and never reaches the caller.
 *
 * With B-frames the warm path is the exact one: at the last frame of a GOP the spawn
 * path's seek lands on the next keyframe (its decode time is before t) and returns the
 * frame after; test/still-warm checks the warm path at those instants.
 */
import path from 'node:path';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { toIso } from '../core/time.js';
import { SegmentIndexCache } from './index-cache.js';
import { Limiter } from '../core/limiter.js';
import { mediaOriginMs, type RecordingsService } from './recordings.js';
import { buildStillFeed } from './still-feed.js';
import { jpegOutputArgs, watchJpeg } from './still-process.js';
import { WarmStills, warmPresentationSec } from './still-warm.js';

export interface StillServiceDeps {
  readonly recordings: RecordingsService;
  readonly recordingsDir: string;
  readonly spawner: Spawner;
  readonly ffmpegPath: string;
  readonly log: Logger;
  /** ffmpeg jobs at once (default 2). */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  /** Warm ffmpeg processes kept per picture size (default 2; 0 = always a new ffmpeg). */
  readonly warmProcesses?: number;
  /** Fragment indexes, shared with clips and playback (default: a small one of its own). */
  readonly cache?: SegmentIndexCache;
  /** Decoder threads of a warm process (bench/still.ts compares; default warmThreads). */
  readonly warmThreads?: number;
}

export interface Still {
  readonly jpeg: Buffer;
  /** The segment the frame came from (relative to the recordings root). */
  readonly relPath: string;
  /** Seconds into that file where the seek landed (t's media offset). */
  readonly offsetSec: number;
}

export const stillWidthLimits = { min: 16, max: 3840 } as const;

/**
 * Decoder threads of a warm process. One: two stills at once (the limiter's default) use
 * both cores without frame threading's extra frame of latency (bench/still.ts).
 */
const warmThreads = 1;

export class StillService {
  private readonly limiter: Limiter;
  private readonly cache: SegmentIndexCache;
  private readonly warm: WarmStills;

  constructor(private readonly deps: StillServiceDeps) {
    this.limiter = new Limiter(deps.concurrency ?? 2);
    this.cache = deps.cache ?? new SegmentIndexCache(64);
    this.warm = new WarmStills({
      spawner: deps.spawner, ffmpegPath: deps.ffmpegPath, log: deps.log,
      processes: deps.warmProcesses ?? 2, threads: deps.warmThreads ?? warmThreads,
    });
  }

  /** Start the warm processes (the first still does it too). */
  start(): void {
    this.warm.start();
  }

  /** Kill the warm processes; later stills use the spawn path. */
  close(): Promise<void> {
    return this.warm.close();
  }

  /** The frame at `atMs`, scaled to `width` (aspect kept) when given. NOTHING_RECORDED if no segment holds t. */
  async still(cameraId: string, atMs: number, width?: number): Promise<Still> {
    const row = this.deps.recordings.segmentAt(cameraId, atMs);
    if (!row) throw new NvrError('NOTHING_RECORDED', `camera '${cameraId}' has nothing recorded at ${toIso(atMs)}`);
    const offsetMs = atMs - mediaOriginMs(row);
    const offsetSec = offsetMs / 1000;
    const absPath = path.join(this.deps.recordingsDir, row.relPath);
    const jpeg = await this.limiter.run(async () =>
      (await this.viaWarm(absPath, offsetMs, width)) ?? this.extract(absPath, offsetSec, width));
    if (jpeg.length === 0) throw new NvrError('NOTHING_RECORDED', `camera '${cameraId}' has no decodable frame at ${toIso(atMs)} (${row.relPath})`);
    return { jpeg, relPath: row.relPath, offsetSec };
  }

  /** The JPEG from a warm process, or null (not ready, not applicable, or it failed) for the spawn path. */
  private async viaWarm(absPath: string, offsetMs: number, width?: number): Promise<Buffer | null> {
    const debug = (detail: Record<string, unknown>, why: string) => {
      this.deps.log.debug({ absPath, offsetMs, width, ...detail }, `still: spawn path (${why})`);
      return null;
    };
    if (!this.warm.enabled) return null;
    let feed;
    try {
      feed = await buildStillFeed(absPath, await this.cache.get(absPath), offsetMs, warmPresentationSec);
    } catch (err) {
      return debug({ err: (err as Error).message }, 'segment not readable as fragments');
    }
    if (!feed) return debug({}, 'no fragment for the warm path');
    const proc = this.warm.take(width);
    if (!proc) return debug({}, 'no warm process ready');
    proc.watch.armTimer(this.deps.timeoutMs ?? 10_000);
    proc.child.stdin?.end(feed.bytes);
    const exit = await proc.watch.exited;
    if (exit.code !== 0 || exit.jpeg.length === 0) {
      return debug({ code: exit.code, signal: exit.signal, stderr: exit.stderr.slice(0, 300) }, 'warm ffmpeg failed');
    }
    this.warm.served();
    return exit.jpeg;
  }

  private async extract(absPath: string, offsetSec: number, width?: number): Promise<Buffer> {
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-ss', offsetSec.toFixed(3), '-i', absPath,
      '-map', '0:v:0', '-an',
      ...(width === undefined ? [] : ['-vf', `scale=${width}:-2`]),
      ...jpegOutputArgs,
    ];
    const child = this.deps.spawner(this.deps.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], parentDeathSignal: 'KILL' });
    const watch = watchJpeg(child);
    watch.armTimer(this.deps.timeoutMs ?? 10_000);
    const exit = await watch.exited;
    if (exit.code === 0) return exit.jpeg;
    this.deps.log.warn({ absPath, code: exit.code, signal: exit.signal, stderr: exit.stderr.slice(0, 300) }, 'still extraction failed');
    throw new NvrError('INTERNAL', `still extraction failed (ffmpeg ${String(exit.code ?? exit.signal)})`);
  }
}
