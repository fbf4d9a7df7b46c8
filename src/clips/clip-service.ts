/**
 * Clips of a time range: plan once (index rows → fragment indexes → selection → recipe),
 * then stream any byte range of the result. The normal path joins the recorded fragments
 * in TypeScript (no process, first byte in a few ms, length known, HTTP ranges work); the
 * ffmpeg concat fallback is used only when the bytes cannot simply be joined.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { toIso } from '../core/time.js';
import { codecInfo, type CodecInfo } from './clip-init.js';
import { joinSelections, selectFragments, type IndexedSegment, type Selection } from './clip-plan.js';
import { runConcat, type ConcatItem } from './ffmpeg-concat.js';
import type { SegmentIndexCache } from './index-cache.js';
import type { RecordingsService } from './recordings.js';
import { openRange, type RangeStream, type VirtualFile } from './virtual-file.js';

export interface ClipGap {
  readonly fromMs: number;
  readonly toMs: number;
  /** A coverage gap reason (camera-disconnected, deleted, ...) or 'unreadable'. */
  readonly reason: string;
}

export interface ClipSegment {
  readonly relPath: string;
  readonly runId: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly sizeBytes: number;
}

export interface ClipPlan {
  readonly cameraId: string;
  readonly requestedFromMs: number;
  readonly requestedToMs: number;
  /** What the clip really covers: from the keyframe at or before `from` to the end of the fragment covering `to`. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Playing time: the recorded footage only, gaps left out. */
  readonly durationMs: number;
  readonly method: 'join' | 'ffmpeg';
  /** Why the fallback was needed (null for 'join'). */
  readonly fallbackReason: string | null;
  readonly segments: readonly ClipSegment[];
  /** Gaps inside the requested range, in time order. */
  readonly gaps: readonly ClipGap[];
  /** Known in advance for 'join'; null for the ffmpeg fallback. */
  readonly lengthBytes: number | null;
  /** Strong validator of the bytes (segment list + range); null for the fallback. */
  readonly etag: string | null;
  readonly codec: CodecInfo;
}

export interface ClipServiceDeps {
  readonly recordings: RecordingsService;
  readonly recordingsDir: string;
  readonly cache: SegmentIndexCache;
  readonly spawner: Spawner;
  readonly ffmpegPath: string;
  readonly maxClipMs: number;
  readonly log: Logger;
}

/** Bump when the byte layout of clips changes, so old ETags stop matching. */
const layoutVersion = 'clip-v1';

interface PlanInternals {
  readonly file: VirtualFile | null;
  readonly selections: readonly Selection[];
}

export class ClipService {
  private readonly internals = new WeakMap<ClipPlan, PlanInternals>();

  constructor(private readonly deps: ClipServiceDeps) {}

  async plan(cameraId: string, fromMs: number, toMs: number): Promise<ClipPlan> {
    if (toMs - fromMs > this.deps.maxClipMs) {
      throw new NvrError('RANGE_TOO_LONG', `clip from ${toIso(fromMs)} to ${toIso(toMs)} is ${Math.round((toMs - fromMs) / 1000)} s long; the most is ${this.deps.maxClipMs / 1000} s (clips.maxClipSeconds)`);
    }
    const rows = this.deps.recordings.segmentsInRange(cameraId, fromMs, toMs);
    const { indexed, unreadable } = await this.indexAll(rows);
    const selections = selectFragments(indexed, fromMs, toMs);
    const head = selections[0];
    const tail = selections.at(-1);
    if (!head || !tail) {
      throw new NvrError('NOTHING_RECORDED', `camera '${cameraId}' has nothing recorded between ${toIso(fromMs)} and ${toIso(toMs)}`);
    }
    const joined = joinSelections(selections);
    const gaps = [...this.deps.recordings.coverage(cameraId, fromMs, toMs).gaps, ...unreadable].sort((a, b) => a.fromMs - b.fromMs);
    const segments = selections.map(({ seg }) => ({
      relPath: seg.row.relPath, runId: seg.row.runId, startMs: seg.row.startMs, endMs: seg.row.endMs, sizeBytes: seg.index.sizeBytes,
    }));
    const plan: ClipPlan = {
      cameraId, requestedFromMs: fromMs, requestedToMs: toMs, fromMs: head.fromMs, toMs: tail.toMs,
      durationMs: joined.ok ? Math.round(joined.durationSec * 1000) : selections.reduce((n, s) => n + s.toMs - s.fromMs, 0),
      method: joined.ok ? 'join' : 'ffmpeg',
      fallbackReason: joined.ok ? null : joined.reason,
      segments, gaps,
      lengthBytes: joined.ok ? joined.file.lengthBytes : null,
      etag: joined.ok ? etagOf(cameraId, selections, joined.file.lengthBytes) : null,
      codec: codecInfo(head.seg.index),
    };
    this.internals.set(plan, { file: joined.ok ? joined.file : null, selections });
    return plan;
  }

  /** Bytes [start, endExclusive) of a joined clip, or the whole ffmpeg output for a fallback plan. */
  open(plan: ClipPlan, start?: number, endExclusive?: number): RangeStream {
    const inner = this.internals.get(plan);
    if (!inner) throw new Error('clip plan was not made by this service');
    if (inner.file) return openRange(inner.file, start, endExclusive);
    return runConcat(this.deps.spawner, this.deps.ffmpegPath, inner.selections.map(concatItem), this.deps.log);
  }

  /** Fragment indexes of the rows; files gone or unreadable become gaps instead. */
  private async indexAll(rows: readonly IndexedSegment['row'][]) {
    const unreadable: ClipGap[] = [];
    const results = await Promise.all(rows.map(async (row) => {
      const absPath = path.join(this.deps.recordingsDir, row.relPath);
      try {
        return { row, absPath, index: await this.deps.cache.get(absPath) };
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        this.deps.log.warn({ relPath: row.relPath, err: (err as Error).message }, missing ? 'segment file missing' : 'segment file unreadable');
        unreadable.push({ fromMs: row.startMs, toMs: row.endMs, reason: missing ? 'deleted' : 'unreadable' });
        return null;
      }
    }));
    return { indexed: results.filter((r): r is IndexedSegment => r !== null), unreadable };
  }
}

/** A strong ETag over what decides the bytes: layout, files (path + size), cut points. */
function etagOf(cameraId: string, selections: readonly Selection[], lengthBytes: number): string {
  const hash = createHash('sha256').update(`${layoutVersion}\n${cameraId}\n${lengthBytes}\n`);
  for (const s of selections) {
    const frags = s.seg.index.fragments;
    hash.update(`${s.seg.row.relPath}\t${s.seg.index.sizeBytes}\t${frags[s.first]!.offset}\t${frags[s.last]!.end}\n`);
  }
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}

function concatItem(sel: Selection): ConcatItem {
  const { index } = sel.seg;
  const ts = index.tracks.find((t) => t.trackId === index.mainTrackId)?.timescale ?? 1;
  const mainOf = (i: number) => index.fragments[i]!.trafs.find((t) => t.trackId === index.mainTrackId);
  const first = mainOf(sel.first);
  const last = mainOf(sel.last);
  return {
    absPath: sel.seg.absPath,
    inpointSec: first ? first.decodeTime / ts : 0,
    outpointSec: last ? (last.decodeTime + last.durationTicks) / ts : 0,
  };
}
