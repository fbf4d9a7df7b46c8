/** Evidence holds: cameras × [from, to) that retention must never delete while active. */
import type BetterSqlite3 from 'better-sqlite3';

export interface HoldRow {
  readonly id: number;
  readonly cameraIds: string[];
  readonly caseNumber: string;
  readonly reason: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Lapses by itself at this time; null = until released. */
  readonly untilMs: number | null;
  readonly createdMs: number;
  readonly createdBy: string;
  readonly updatedMs: number;
  readonly releasedMs: number | null;
  readonly releasedBy: string | null;
}

export interface NewHold {
  readonly cameraIds: readonly string[];
  readonly caseNumber: string;
  readonly reason: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly untilMs: number | null;
  readonly createdBy: string;
  readonly nowMs: number;
}

/** Footage under active holds, per camera (a segment in two holds counts once). */
export interface HeldUsage {
  readonly cameraId: string;
  readonly segments: number;
  readonly bytes: number;
}

/** A hold is active when it is not released and has not lapsed (at @nowMs). */
export const activeHoldSql = 'h.released_ms IS NULL AND (h.until_ms IS NULL OR h.until_ms > @nowMs)';

/**
 * True for a segment `s` that an active hold covers. Used inside every deletion query,
 * so the check and the deletion happen in the same transaction: a hold created a moment
 * before a purge always wins.
 */
export const segmentHeldSql = `EXISTS (SELECT 1 FROM hold_cameras hc JOIN holds h ON h.id = hc.hold_id
  WHERE hc.camera_id = s.camera_id AND ${activeHoldSql} AND h.from_ms < s.end_ms AND h.to_ms > s.start_ms)`;

type DbHold = Omit<HoldRow, 'cameraIds'> & { cameraIds: string };

const columns = `h.id, h.case_number AS caseNumber, h.reason, h.from_ms AS fromMs, h.to_ms AS toMs,
  h.until_ms AS untilMs, h.created_ms AS createdMs, h.created_by AS createdBy, h.updated_ms AS updatedMs,
  h.released_ms AS releasedMs, h.released_by AS releasedBy,
  (SELECT group_concat(camera_id, ',') FROM (SELECT camera_id FROM hold_cameras WHERE hold_id = h.id ORDER BY camera_id)) AS cameraIds`;

const toRow = (r: DbHold): HoldRow => ({ ...r, cameraIds: r.cameraIds ? r.cameraIds.split(',') : [] });

export class HoldsRepo {
  private readonly insertStmt;
  private readonly insertCameraStmt;
  private readonly getStmt;
  private readonly listAllStmt;
  private readonly listActiveStmt;
  private readonly extendStmt;
  private readonly releaseStmt;
  private readonly heldStmt;
  private readonly holdUsageStmt;
  private readonly createTx;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<NewHold>(
      `INSERT INTO holds (case_number, reason, from_ms, to_ms, until_ms, created_ms, created_by, updated_ms)
       VALUES (@caseNumber, @reason, @fromMs, @toMs, @untilMs, @nowMs, @createdBy, @nowMs)`,
    );
    this.insertCameraStmt = db.prepare<[string, number]>('INSERT OR IGNORE INTO hold_cameras (camera_id, hold_id) VALUES (?, ?)');
    this.getStmt = db.prepare<[number], DbHold>(`SELECT ${columns} FROM holds h WHERE h.id = ?`);
    this.listAllStmt = db.prepare<[], DbHold>(`SELECT ${columns} FROM holds h ORDER BY h.id DESC`);
    this.listActiveStmt = db.prepare<{ nowMs: number }, DbHold>(`SELECT ${columns} FROM holds h WHERE ${activeHoldSql} ORDER BY h.id DESC`);
    this.extendStmt = db.prepare<{ id: number; untilMs: number | null; nowMs: number }>(
      `UPDATE holds SET until_ms = @untilMs, updated_ms = @nowMs WHERE id = @id AND released_ms IS NULL`,
    );
    this.releaseStmt = db.prepare<{ id: number; by: string; nowMs: number }>(
      `UPDATE holds SET released_ms = @nowMs, released_by = @by, updated_ms = @nowMs WHERE id = @id AND released_ms IS NULL`,
    );
    // Per camera: segments some active hold covers. The start bound keeps each hold's
    // lookup an index range scan (a segment overlapping `from` starts after from - longest).
    this.heldStmt = db.prepare<{ nowMs: number }, HeldUsage>(
      `SELECT s.camera_id AS cameraId, count(*) AS segments, coalesce(sum(s.size_bytes), 0) AS bytes FROM segments s
       WHERE s.id IN (SELECT s2.id FROM holds h JOIN hold_cameras hc ON hc.hold_id = h.id
         JOIN segments s2 ON s2.camera_id = hc.camera_id AND s2.start_ms < h.to_ms AND s2.end_ms > h.from_ms
           AND s2.start_ms >= h.from_ms - (SELECT coalesce(max(max_segment_ms), 0) FROM runs WHERE camera_id = hc.camera_id)
         WHERE ${activeHoldSql})
       GROUP BY s.camera_id ORDER BY s.camera_id`,
    );
    this.holdUsageStmt = db.prepare<[number], { segments: number; bytes: number }>(
      `SELECT count(*) AS segments, coalesce(sum(s.size_bytes), 0) AS bytes FROM holds h JOIN hold_cameras hc ON hc.hold_id = h.id
       JOIN segments s ON s.camera_id = hc.camera_id AND s.start_ms < h.to_ms AND s.end_ms > h.from_ms
         AND s.start_ms >= h.from_ms - (SELECT coalesce(max(max_segment_ms), 0) FROM runs WHERE camera_id = hc.camera_id)
       WHERE h.id = ?`,
    );
    this.createTx = db.transaction((hold: NewHold): number => {
      const id = Number(this.insertStmt.run(hold).lastInsertRowid);
      for (const cameraId of hold.cameraIds) this.insertCameraStmt.run(cameraId, id);
      return id;
    });
  }

  /** Insert a hold and its cameras in one transaction; returns the new row. */
  create(hold: NewHold): HoldRow {
    const id = this.createTx(hold);
    const row = this.get(id);
    if (!row) throw new Error(`hold ${id} vanished after insert`);
    return row;
  }

  get(id: number): HoldRow | undefined {
    const r = this.getStmt.get(id);
    return r && toRow(r);
  }

  /** Newest first; only the active ones at `nowMs` when given. */
  list(activeAtMs?: number): HoldRow[] {
    const rows = activeAtMs === undefined ? this.listAllStmt.all() : this.listActiveStmt.all({ nowMs: activeAtMs });
    return rows.map(toRow);
  }

  /** Set a new lapse time (null = until released); false when unknown or released. */
  setUntil(id: number, untilMs: number | null, nowMs: number): boolean {
    return this.extendStmt.run({ id, untilMs, nowMs }).changes > 0;
  }

  /** Release by hand; false when unknown or already released. */
  release(id: number, by: string, nowMs: number): boolean {
    return this.releaseStmt.run({ id, by, nowMs }).changes > 0;
  }

  /** Footage under active holds per camera (cameras without any are absent). */
  heldUsage(nowMs: number): HeldUsage[] {
    return this.heldStmt.all({ nowMs });
  }

  /** Footage a single hold covers (counted whether or not it is still active). */
  usageOf(id: number): { segments: number; bytes: number } {
    return this.holdUsageStmt.get(id) ?? { segments: 0, bytes: 0 };
  }
}
