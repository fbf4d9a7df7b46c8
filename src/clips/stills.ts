/**
 * The frame at instant t as a JPEG. The segment holding t is opened by ffmpeg with the
 * seek before the input (`-ss` on that one file): it jumps to the keyframe before t and
 * decodes forward, dropping frames before t, so the picture is the first frame at or
 * after t, i.e. within one frame interval. Decoding is the cost (up to one GOP of
 * frames), so jobs run through a small limiter shared by every caller.
 */
import path from 'node:path';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { toIso } from '../core/time.js';
import { Limiter } from './limiter.js';
import { mediaOriginMs, type RecordingsService } from './recordings.js';

export interface StillServiceDeps {
  readonly recordings: RecordingsService;
  readonly recordingsDir: string;
  readonly spawner: Spawner;
  readonly ffmpegPath: string;
  readonly log: Logger;
  /** ffmpeg jobs at once (default 2). */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
}

export interface Still {
  readonly jpeg: Buffer;
  /** The segment the frame came from (relative to the recordings root). */
  readonly relPath: string;
  /** Seconds into that file where the seek landed (t's media offset). */
  readonly offsetSec: number;
}

export const stillWidthLimits = { min: 16, max: 3840 } as const;

/** Refuse absurd outputs: a 4K JPEG at -q:v 3 is a few MB. */
const maxJpegBytes = 32 * 1024 * 1024;

export class StillService {
  private readonly limiter: Limiter;

  constructor(private readonly deps: StillServiceDeps) {
    this.limiter = new Limiter(deps.concurrency ?? 2);
  }

  /** The frame at `atMs`, scaled to `width` (aspect kept) when given. NOTHING_RECORDED if no segment holds t. */
  async still(cameraId: string, atMs: number, width?: number): Promise<Still> {
    const row = this.deps.recordings.segmentAt(cameraId, atMs);
    if (!row) throw new NvrError('NOTHING_RECORDED', `camera '${cameraId}' has nothing recorded at ${toIso(atMs)}`);
    const offsetSec = (atMs - mediaOriginMs(row)) / 1000;
    const absPath = path.join(this.deps.recordingsDir, row.relPath);
    const jpeg = await this.limiter.run(() => this.extract(absPath, offsetSec, width));
    if (jpeg.length === 0) throw new NvrError('NOTHING_RECORDED', `camera '${cameraId}' has no decodable frame at ${toIso(atMs)} (${row.relPath})`);
    return { jpeg, relPath: row.relPath, offsetSec };
  }

  private extract(absPath: string, offsetSec: number, width?: number): Promise<Buffer> {
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-ss', offsetSec.toFixed(3), '-i', absPath,
      '-map', '0:v:0', '-an', '-frames:v', '1',
      ...(width === undefined ? [] : ['-vf', `scale=${width}:-2`]),
      '-c:v', 'mjpeg', '-q:v', '3', '-f', 'mjpeg', 'pipe:1',
    ];
    return new Promise((resolve, reject) => {
      const child = this.deps.spawner(this.deps.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], parentDeathSignal: 'KILL' });
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), this.deps.timeoutMs ?? 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        size += d.length;
        if (size <= maxJpegBytes) chunks.push(d);
        else child.kill('SIGKILL');
      });
      child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 2048) stderr += d.toString(); });
      child.on('error', (err) => { clearTimeout(timer); reject(err); });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(Buffer.concat(chunks));
        this.deps.log.warn({ absPath, code, signal, stderr: stderr.trim().slice(0, 300) }, 'still extraction failed');
        reject(new NvrError('INTERNAL', `still extraction failed (ffmpeg ${String(code ?? signal)})`));
      });
    });
  }
}
