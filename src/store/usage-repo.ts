/**
 * Footage per camera as retention and health need it: totals (kept by triggers, no scan),
 * the oldest and newest instant, the recent recording bandwidth, and the row of a path.
 */
import type BetterSqlite3 from 'better-sqlite3';

export interface CameraUsage {
  readonly cameraId: string;
  readonly segments: number;
  readonly bytes: number;
  /** Start of the oldest segment; null without footage. */
  readonly oldestMs: number | null;
  /** End of the newest segment; null without footage. */
  readonly newestMs: number | null;
}

/** Recent recording rate of a camera: bytes over the box time they cover. */
export interface CameraRate {
  readonly bytes: number;
  readonly durationMs: number;
}

interface RecentSegment {
  sizeBytes: number;
  startMs: number;
  endMs: number;
}

/** Recent segments read per camera to measure its rate (the window bounds them further). */
const rateSampleRows = 120;

export class UsageRepo {
  private readonly totalsStmt;
  private readonly oldestStmt;
  private readonly newestStmt;
  private readonly recentStmt;
  private readonly byPathStmt;

  constructor(db: BetterSqlite3.Database) {
    this.totalsStmt = db.prepare<[], { cameraId: string; segments: number; bytes: number }>(
      'SELECT camera_id AS cameraId, segments, bytes FROM segment_totals ORDER BY camera_id',
    );
    this.oldestStmt = db.prepare<[string], number | null>('SELECT min(start_ms) FROM segments WHERE camera_id = ?').pluck();
    this.newestStmt = db.prepare<[string], number | null>(
      'SELECT end_ms FROM segments WHERE camera_id = ? ORDER BY start_ms DESC LIMIT 1',
    ).pluck();
    this.recentStmt = db.prepare<[string, number], RecentSegment>(
      `SELECT size_bytes AS sizeBytes, start_ms AS startMs, end_ms AS endMs FROM segments
       WHERE camera_id = ? ORDER BY start_ms DESC LIMIT ?`,
    );
    this.byPathStmt = db.prepare<[string], { id: number; cameraId: string }>(
      'SELECT id, camera_id AS cameraId FROM segments WHERE rel_path = ?',
    );
  }

  /** Every camera with footage or a totals row, with its span (two index lookups each). */
  perCamera(): CameraUsage[] {
    return this.totalsStmt.all().map((t) => ({
      ...t,
      oldestMs: this.oldestStmt.get(t.cameraId) ?? null,
      newestMs: this.newestStmt.get(t.cameraId) ?? null,
    }));
  }

  /**
   * The camera's latest segments covering up to `windowMs` of box time, counted back from
   * its newest segment (not from now): a paused or offline camera keeps the rate it had
   * while recording, so the free-space floor does not shrink while nothing is written.
   */
  recentRate(cameraId: string, windowMs: number): CameraRate {
    let bytes = 0;
    let durationMs = 0;
    for (const s of this.recentStmt.all(cameraId, rateSampleRows)) {
      if (durationMs >= windowMs) break;
      bytes += s.sizeBytes;
      durationMs += s.endMs - s.startMs;
    }
    return { bytes, durationMs };
  }

  /** The row indexing `relPath`, if any. */
  segmentAt(relPath: string): { id: number; cameraId: string } | undefined {
    return this.byPathStmt.get(relPath);
  }
}
