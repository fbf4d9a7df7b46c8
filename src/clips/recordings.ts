/**
 * "What is recorded in [from, to)": continuous spans and the gaps between them, each gap
 * with a reason. The read side of the index; formatting (ISO, local time) is the api's.
 *
 * Merging: segments are joined into one span only when the next starts at or before
 * the current end (tolerance 0 ms, inside a run and across runs). Inside a run that is
 * exact by construction (segment n+1 starts at n's end, both taken from the same media
 * timestamp), so any space is a real hole. Across runs a reconnect always costs real
 * time (seconds); hiding even 50 ms would present two runs with separate time anchors as
 * one continuous recording, which an evidence answer must not do.
 */
import { NvrError } from '../core/errors.js';
import type { RunEndReason } from '../core/types.js';
import type { Store } from '../store/db.js';
import type { RunRow } from '../store/runs-repo.js';
import type { SegmentExtent, SegmentRow } from '../store/segments-repo.js';

export interface Span {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Why nothing is recorded: the end reason of the run before the gap; 'in-progress' after
 * the last closed segment of the run recording now (its open segment is not indexed
 * yet); 'deleted' where segments of a run are gone (retention, a missing file);
 * 'not-recorded' before anything was recorded.
 */
export type GapReason = RunEndReason | 'in-progress' | 'deleted' | 'not-recorded';

export interface Gap extends Span {
  readonly reason: GapReason;
}

export interface Coverage {
  /** Continuous recorded spans, clipped to [from, to), in time order. */
  readonly runs: Span[];
  /** The complement of `runs` inside [from, to), in time order. */
  readonly gaps: Gap[];
}

export interface RecordingsDeps {
  readonly store: Store;
}

/** Segments merged into one continuous block; `last` is the one reaching furthest. */
interface Block {
  readonly first: SegmentExtent;
  last: SegmentExtent;
}

export class RecordingsService {
  constructor(private readonly deps: RecordingsDeps) {}

  coverage(cameraId: string, fromMs: number, toMs: number): Coverage {
    checkRange(fromMs, toMs);
    const { segments } = this.deps.store;
    const runCache = new Map<number, RunRow | undefined>();
    const runOf = (id: number): RunRow | undefined => {
      if (!runCache.has(id)) runCache.set(id, this.deps.store.runs.getById(id));
      return runCache.get(id);
    };
    const runs: Span[] = [];
    const gaps: Gap[] = [];
    let cursor = fromMs;
    let before: SegmentExtent | undefined;
    for (const block of mergeBlocks(segments.overlapping(cameraId, fromMs, toMs))) {
      if (block.first.startMs > cursor) {
        // Only a leading gap needs the segment before the range; later gaps have it.
        if (runs.length === 0) before = segments.lastStartingBefore(cameraId, fromMs);
        gaps.push(...gapPieces(cursor, block.first.startMs, before, block.first, runOf));
      }
      cursor = Math.min(block.last.endMs, toMs);
      runs.push({ fromMs: Math.max(block.first.startMs, fromMs), toMs: cursor });
      before = block.last;
    }
    if (cursor < toMs) {
      if (runs.length === 0) before = segments.lastStartingBefore(cameraId, fromMs);
      gaps.push(...gapPieces(cursor, toMs, before, undefined, runOf));
    }
    return { runs, gaps };
  }

  /** The camera's latest segment, or null when it has none. */
  lastSegment(cameraId: string): SegmentRow | null {
    return this.deps.store.segments.last(cameraId) ?? null;
  }

  /** The segment whose media holds instant `atMs` (see mediaOriginMs), or null. */
  segmentAt(cameraId: string, atMs: number): SegmentRow | null {
    const rows = this.segmentsInRange(cameraId, atMs, atMs + 1000);
    return rows.filter((s) => mediaOriginMs(s) <= atMs && atMs < s.endMs).at(-1) ?? null;
  }

  /** A camera's segment by run and sequence number (how playlists name segments), or null. */
  segmentBySeq(cameraId: string, runId: number, seq: number): SegmentRow | null {
    const row = this.deps.store.segments.bySeq(runId, seq);
    return row && row.cameraId === cameraId ? row : null;
  }

  /** Segment rows overlapping [fromMs, toMs), by start time (input of clip building). */
  segmentsInRange(cameraId: string, fromMs: number, toMs: number): SegmentRow[] {
    checkRange(fromMs, toMs);
    return this.deps.store.segments.inRange(cameraId, fromMs, toMs);
  }
}

/**
 * Wall time of media time 0 of a segment file. The recorder's segment list gives each
 * file [start, end) on the run's media timeline, and the file's own timestamps start at 0
 * at `start` (reset_timestamps); the row keeps end_ms = anchor + end and the media length
 * end - start, so end_ms - media_duration_ms is where the file's media begins. This is
 * not always start_ms: rows chain on the previous end, which audio packets can carry a
 * few tens of ms past the next file's first video frame.
 */
export function mediaOriginMs(row: Pick<SegmentRow, 'endMs' | 'mediaDurationMs'>): number {
  return row.endMs - row.mediaDurationMs;
}

function checkRange(fromMs: number, toMs: number): void {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) {
    throw new NvrError('INVALID_RANGE', `range ${String(fromMs)}..${String(toMs)} must be integer epoch milliseconds`);
  }
  if (toMs <= fromMs) throw new NvrError('INVALID_RANGE', `range end ${toMs} must be after its start ${fromMs}`);
}

/** Join segments (sorted by start) that touch or overlap into blocks. */
function mergeBlocks(sorted: readonly SegmentExtent[]): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (const seg of sorted) {
    if (current && seg.startMs <= current.last.endMs) {
      if (seg.endMs > current.last.endMs) current.last = seg;
      continue;
    }
    current = { first: seg, last: seg };
    blocks.push(current);
  }
  return blocks;
}

/**
 * The gap [g0, g1) between segment `prev` (or nothing) and segment `next` (or the range
 * end), cut into up to three pieces: the tail of prev's run that was recorded and then
 * deleted, the time between the runs (prev's run end reason, 'in-progress' if it is
 * still open, 'not-recorded' with no run before), and the deleted head of next's run.
 */
function gapPieces(g0: number, g1: number, prev: SegmentExtent | undefined, next: SegmentExtent | undefined, runOf: (id: number) => RunRow | undefined): Gap[] {
  if (prev && next && prev.runId === next.runId) return [{ fromMs: g0, toMs: g1, reason: 'deleted' }];
  const prevRun = prev && runOf(prev.runId);
  const nextRun = next && runOf(next.runId);
  const b = clamp(prevRun ? prevRun.endMs : g0, g0, g1);
  const c = clamp(nextRun ? nextRun.startMs : g1, b, g1);
  const between: GapReason = prevRun ? (prevRun.endReason ?? 'in-progress') : 'not-recorded';
  const pieces: Gap[] = [
    { fromMs: g0, toMs: b, reason: 'deleted' },
    { fromMs: b, toMs: c, reason: between },
    { fromMs: c, toMs: g1, reason: 'deleted' },
  ];
  return pieces.filter((p) => p.toMs > p.fromMs);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
