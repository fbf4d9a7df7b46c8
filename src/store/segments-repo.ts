/** The segments table: one row per segment file under the recordings root. */
import type BetterSqlite3 from 'better-sqlite3';
import type { RunsRepo } from './runs-repo.js';

export interface SegmentRow {
  readonly id: number;
  readonly cameraId: string;
  readonly runId: number;
  readonly seq: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly mediaDurationMs: number;
  /** Null for a recovered segment: its close was never seen. */
  readonly observedCloseMs: number | null;
  readonly sizeBytes: number;
  /** Relative to the recordings root. */
  readonly relPath: string;
  readonly videoCodec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly audioCodec: string | null;
  /** Indexed from disk by start-up reconciliation, not from a close event. */
  readonly recovered: boolean;
}

export type NewSegment = Omit<SegmentRow, 'id'>;

/** What a coverage question needs of a segment; read from the covering index alone. */
export interface SegmentExtent {
  readonly startMs: number;
  readonly endMs: number;
  readonly runId: number;
}

/** A row as reconciliation compares it with the disk. */
export interface SegmentFileRef {
  readonly id: number;
  readonly runId: number;
  readonly relPath: string;
}

type DbSegment = Omit<SegmentRow, 'recovered'> & { recovered: number };
type RangeParams = { cameraId: string; fromMs: number; toMs: number; maxSegmentMs: number };

const columns = `id, camera_id AS cameraId, run_id AS runId, seq, start_ms AS startMs, end_ms AS endMs,
  media_duration_ms AS mediaDurationMs, observed_close_ms AS observedCloseMs, size_bytes AS sizeBytes,
  rel_path AS relPath, video_codec AS videoCodec, width, height, audio_codec AS audioCodec, recovered`;

/**
 * Segments overlapping [fromMs, toMs). The lower bound on start_ms (a segment that
 * overlaps `from` cannot start earlier than `from - longest segment`) turns "every older
 * row of the camera" into an index range scan (dependencies.md 5.6: 4.18 ms -> 0.033 ms).
 */
const overlapWhere = `camera_id = @cameraId AND start_ms >= @fromMs - @maxSegmentMs
  AND start_ms < @toMs AND end_ms > @fromMs`;

/** The coverage query; exported so a test can check its plan uses the covering index. */
export const overlapSql = `SELECT start_ms AS startMs, end_ms AS endMs, run_id AS runId FROM segments
  WHERE ${overlapWhere} ORDER BY start_ms`;

function toRow(r: DbSegment): SegmentRow {
  return { ...r, recovered: r.recovered === 1 };
}

export class SegmentsRepo {
  private readonly insertStmt;
  private readonly bySeqStmt;
  private readonly overlapStmt;
  private readonly inRangeStmt;
  private readonly lastStmt;
  private readonly lastBeforeStmt;
  private readonly filesStmt;
  private readonly deleteStmt;
  private readonly insertTx;
  private readonly deleteTx;
  /** Longest segment per camera; only ever raised, so the bound never misses a row. */
  private readonly maxSegmentMs = new Map<string, number>();

  constructor(db: BetterSqlite3.Database, private readonly runs: RunsRepo) {
    // DO NOTHING on any uniqueness conflict (rel_path, or run_id + seq): a repeated close
    // event or a second reconciliation is a no-op.
    this.insertStmt = db.prepare<Omit<DbSegment, 'id'>>(
      `INSERT INTO segments (camera_id, run_id, seq, start_ms, end_ms, media_duration_ms, observed_close_ms,
         size_bytes, rel_path, video_codec, width, height, audio_codec, recovered)
       VALUES (@cameraId, @runId, @seq, @startMs, @endMs, @mediaDurationMs, @observedCloseMs,
         @sizeBytes, @relPath, @videoCodec, @width, @height, @audioCodec, @recovered)
       ON CONFLICT DO NOTHING`,
    );
    this.bySeqStmt = db.prepare<[number, number], DbSegment>(`SELECT ${columns} FROM segments WHERE run_id = ? AND seq = ?`);
    this.overlapStmt = db.prepare<RangeParams, SegmentExtent>(overlapSql);
    this.inRangeStmt = db.prepare<RangeParams, DbSegment>(`SELECT ${columns} FROM segments WHERE ${overlapWhere} ORDER BY start_ms`);
    this.lastStmt = db.prepare<[string], DbSegment>(
      `SELECT ${columns} FROM segments WHERE camera_id = ? ORDER BY start_ms DESC LIMIT 1`,
    );
    this.lastBeforeStmt = db.prepare<[string, number], SegmentExtent>(
      `SELECT start_ms AS startMs, end_ms AS endMs, run_id AS runId FROM segments
       WHERE camera_id = ? AND start_ms < ? ORDER BY start_ms DESC LIMIT 1`,
    );
    this.filesStmt = db.prepare<[string], SegmentFileRef>(
      'SELECT id, run_id AS runId, rel_path AS relPath FROM segments WHERE camera_id = ?',
    );
    this.deleteStmt = db.prepare<[number]>('DELETE FROM segments WHERE id = ?');
    this.insertTx = db.transaction((seg: NewSegment): boolean => this.insertNow(seg));
    this.deleteTx = db.transaction((ids: readonly number[]): number =>
      ids.reduce((n, id) => n + this.deleteStmt.run(id).changes, 0),
    );
  }

  /**
   * Index a segment and extend its run (end_ms, longest segment) in one transaction.
   * Returns false when the segment was already indexed (nothing changes then).
   */
  insert(seg: NewSegment): boolean {
    return this.insertTx(seg);
  }

  private insertNow(seg: NewSegment): boolean {
    const inserted = this.insertStmt.run({ ...seg, recovered: seg.recovered ? 1 : 0 }).changes > 0;
    if (!inserted) return false;
    const lengthMs = seg.endMs - seg.startMs;
    this.runs.extend(seg.runId, seg.endMs, lengthMs);
    const known = this.maxSegmentMs.get(seg.cameraId);
    if (known !== undefined && lengthMs > known) this.maxSegmentMs.set(seg.cameraId, lengthMs);
    return true;
  }

  bySeq(runId: number, seq: number): SegmentRow | undefined {
    const r = this.bySeqStmt.get(runId, seq);
    return r && toRow(r);
  }

  /** Start, end and run of the segments overlapping [fromMs, toMs), by start. */
  overlapping(cameraId: string, fromMs: number, toMs: number): SegmentExtent[] {
    return this.overlapStmt.all(this.rangeParams(cameraId, fromMs, toMs));
  }

  /** Full rows of the segments overlapping [fromMs, toMs), by start (for clips). */
  inRange(cameraId: string, fromMs: number, toMs: number): SegmentRow[] {
    return this.inRangeStmt.all(this.rangeParams(cameraId, fromMs, toMs)).map(toRow);
  }

  /** The camera's latest segment. */
  last(cameraId: string): SegmentRow | undefined {
    const r = this.lastStmt.get(cameraId);
    return r && toRow(r);
  }

  /** The last segment starting before `ms` (it may or may not reach `ms`). */
  lastStartingBefore(cameraId: string, ms: number): SegmentExtent | undefined {
    return this.lastBeforeStmt.get(cameraId, ms);
  }

  /** Every row of a camera as reconciliation needs it (one query per camera). */
  filesOfCamera(cameraId: string): SegmentFileRef[] {
    return this.filesStmt.all(cameraId);
  }

  /** Delete rows by id in one transaction; returns how many went. */
  deleteByIds(ids: readonly number[]): number {
    return this.deleteTx(ids);
  }

  /** The overlap bound for a camera, read once from runs then kept up to date. */
  maxSegmentMsOf(cameraId: string): number {
    let max = this.maxSegmentMs.get(cameraId);
    if (max === undefined) {
      max = this.runs.maxSegmentMs(cameraId);
      this.maxSegmentMs.set(cameraId, max);
    }
    return max;
  }

  private rangeParams(cameraId: string, fromMs: number, toMs: number): RangeParams {
    return { cameraId, fromMs, toMs, maxSegmentMs: this.maxSegmentMsOf(cameraId) };
  }
}
