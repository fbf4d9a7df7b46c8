/** The runs table: one row per ffmpeg session of a camera. */
import type BetterSqlite3 from 'better-sqlite3';
import type { RunEndReason, StreamInfo } from '../core/types.js';

export interface RunRow {
  readonly id: number;
  readonly cameraId: string;
  readonly runKey: string;
  readonly spawnedMs: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly endedMs: number | null;
  readonly endReason: RunEndReason | null;
  readonly endDetail: string | null;
  readonly videoCodec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
  readonly audioCodec: string | null;
  readonly maxSegmentMs: number;
}

export interface NewRun {
  readonly cameraId: string;
  readonly runKey: string;
  readonly spawnedMs: number;
  /** The anchor: wall time of media time 0. end_ms starts equal to it. */
  readonly startMs: number;
  readonly stream: StreamInfo;
}

const columns = `id, camera_id AS cameraId, run_key AS runKey, spawned_ms AS spawnedMs,
  start_ms AS startMs, end_ms AS endMs, ended_ms AS endedMs, end_reason AS endReason,
  end_detail AS endDetail, video_codec AS videoCodec, width, height, fps,
  audio_codec AS audioCodec, max_segment_ms AS maxSegmentMs`;

type InsertParams = Omit<NewRun, 'stream'> & StreamInfo;
type EndParams = { cameraId: string; runKey: string; endedMs: number; reason: RunEndReason; detail: string | null };

export class RunsRepo {
  private readonly insertStmt;
  private readonly byKeyStmt;
  private readonly byIdStmt;
  private readonly endStmt;
  private readonly closeUncleanStmt;
  private readonly extendStmt;
  private readonly openStmt;
  private readonly maxSegStmt;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<InsertParams>(
      `INSERT INTO runs (camera_id, run_key, spawned_ms, start_ms, end_ms, video_codec, width, height, fps, audio_codec)
       VALUES (@cameraId, @runKey, @spawnedMs, @startMs, @startMs, @videoCodec, @width, @height, @fps, @audioCodec)
       ON CONFLICT (camera_id, run_key) DO NOTHING`,
    );
    this.byKeyStmt = db.prepare<[string, string], RunRow>(`SELECT ${columns} FROM runs WHERE camera_id = ? AND run_key = ?`);
    this.byIdStmt = db.prepare<[number], RunRow>(`SELECT ${columns} FROM runs WHERE id = ?`);
    // Only an open run can end: a repeated RunEnded (or a late one) keeps the first answer.
    this.endStmt = db.prepare<EndParams>(
      `UPDATE runs SET ended_ms = @endedMs, end_reason = @reason, end_detail = @detail
       WHERE camera_id = @cameraId AND run_key = @runKey AND end_reason IS NULL`,
    );
    this.closeUncleanStmt = db.prepare<[string | null, number]>(
      `UPDATE runs SET ended_ms = end_ms, end_reason = 'unclean-shutdown', end_detail = ?
       WHERE id = ? AND end_reason IS NULL`,
    );
    this.extendStmt = db.prepare<[number, number, number]>(
      `UPDATE runs SET end_ms = max(end_ms, ?), max_segment_ms = max(max_segment_ms, ?) WHERE id = ?`,
    );
    this.openStmt = db.prepare<[], RunRow>(`SELECT ${columns} FROM runs WHERE end_reason IS NULL ORDER BY camera_id, start_ms`);
    this.maxSegStmt = db
      .prepare<[string], number>('SELECT coalesce(max(max_segment_ms), 0) FROM runs WHERE camera_id = ?')
      .pluck();
  }

  /** Insert the run unless its key is known; returns the row either way. */
  insertIfAbsent(run: NewRun): { row: RunRow; created: boolean } {
    const { stream, ...rest } = run;
    const created = this.insertStmt.run({ ...rest, ...stream }).changes > 0;
    const row = this.byKeyStmt.get(run.cameraId, run.runKey);
    if (row === undefined) throw new Error(`run ${run.runKey} vanished after insert`);
    return { row, created };
  }

  getByKey(cameraId: string, runKey: string): RunRow | undefined {
    return this.byKeyStmt.get(cameraId, runKey);
  }

  getById(id: number): RunRow | undefined {
    return this.byIdStmt.get(id);
  }

  /** End an open run; false when the run is unknown or already ended. */
  end(cameraId: string, runKey: string, endedMs: number, reason: RunEndReason, detail: string | null): boolean {
    return this.endStmt.run({ cameraId, runKey, endedMs, reason, detail }).changes > 0;
  }

  /** Close a run found open at start-up: it ended where its last segment ended. */
  closeUnclean(id: number, detail: string | null): boolean {
    return this.closeUncleanStmt.run(detail, id).changes > 0;
  }

  /** A segment of the run was indexed: move end_ms and the longest-segment bound. */
  extend(id: number, segmentEndMs: number, segmentLengthMs: number): void {
    this.extendStmt.run(segmentEndMs, segmentLengthMs, id);
  }

  listOpen(): RunRow[] {
    return this.openStmt.all();
  }

  /** Longest segment of the camera (0 when none): the bound of the overlap query. */
  maxSegmentMs(cameraId: string): number {
    return this.maxSegStmt.get(cameraId) ?? 0;
  }
}
