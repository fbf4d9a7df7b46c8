/**
 * Crash-safe deletion, the store half: choose unheld segments and move their rows to
 * `garbage` in one transaction (the hold check runs inside it), list what is left to
 * unlink, drop garbage rows once their files are gone.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { segmentHeldSql } from './holds-repo.js';

export type GarbageReason = 'age' | 'quota' | 'pressure';

export interface GarbageRow {
  readonly id: number;
  readonly cameraId: string;
  readonly relPath: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly sizeBytes: number;
  readonly reason: GarbageReason;
  readonly collectedMs: number;
  readonly attempts: number;
  readonly lastError: string | null;
}

/**
 * Which segments to collect, oldest first, never held ones:
 *  - age: of one camera, ending at or before `beforeMs`;
 *  - quota: of one camera, until `bytes` are collected;
 *  - pressure: of every camera, until `bytes` are collected.
 */
export type Selection =
  | { readonly reason: 'age'; readonly cameraId: string; readonly beforeMs: number }
  | { readonly reason: 'quota'; readonly cameraId: string; readonly bytes: number }
  | { readonly reason: 'pressure'; readonly bytes: number };

/** What one collection moved to garbage, in total and per camera. */
export interface Collected {
  rows: number;
  bytes: number;
  byCamera: Map<string, { segments: number; bytes: number }>;
}

interface Candidate {
  id: number;
  cameraId: string;
  relPath: string;
  startMs: number;
  endMs: number;
  sizeBytes: number;
}

const candidateColumns = `s.id, s.camera_id AS cameraId, s.rel_path AS relPath, s.start_ms AS startMs,
  s.end_ms AS endMs, s.size_bytes AS sizeBytes`;
const unheld = `NOT ${segmentHeldSql}`;
const garbageColumns = `id, camera_id AS cameraId, rel_path AS relPath, start_ms AS startMs, end_ms AS endMs,
  size_bytes AS sizeBytes, reason, collected_ms AS collectedMs, attempts, last_error AS lastError`;

type Params = { nowMs: number; limit: number; cameraId?: string; beforeMs?: number };

export class GarbageRepo {
  private readonly byAgeStmt;
  private readonly byCameraStmt;
  private readonly oldestStmt;
  private readonly toGarbageStmt;
  private readonly deleteSegmentStmt;
  private readonly pendingStmt;
  private readonly dropStmt;
  private readonly failedStmt;
  private readonly hasStmt;
  private readonly statsStmt;
  private readonly dropEmptyRunsStmt;
  private readonly collectTx;
  private readonly dropTx;

  constructor(db: BetterSqlite3.Database) {
    this.byAgeStmt = db.prepare<Params, Candidate>(
      `SELECT ${candidateColumns} FROM segments s WHERE s.camera_id = @cameraId AND s.start_ms < @beforeMs
       AND s.end_ms <= @beforeMs AND ${unheld} ORDER BY s.start_ms LIMIT @limit`,
    );
    this.byCameraStmt = db.prepare<Params, Candidate>(
      `SELECT ${candidateColumns} FROM segments s WHERE s.camera_id = @cameraId AND ${unheld} ORDER BY s.start_ms LIMIT @limit`,
    );
    this.oldestStmt = db.prepare<Params, Candidate>(
      `SELECT ${candidateColumns} FROM segments s WHERE ${unheld} ORDER BY s.start_ms LIMIT @limit`,
    );
    this.toGarbageStmt = db.prepare<Candidate & { reason: GarbageReason; nowMs: number }>(
      `INSERT INTO garbage (camera_id, rel_path, start_ms, end_ms, size_bytes, reason, collected_ms)
       VALUES (@cameraId, @relPath, @startMs, @endMs, @sizeBytes, @reason, @nowMs) ON CONFLICT (rel_path) DO NOTHING`,
    );
    this.deleteSegmentStmt = db.prepare<[number]>('DELETE FROM segments WHERE id = ?');
    this.pendingStmt = db.prepare<[number, number], GarbageRow>(`SELECT ${garbageColumns} FROM garbage WHERE id > ? ORDER BY id LIMIT ?`);
    this.dropStmt = db.prepare<[number]>('DELETE FROM garbage WHERE id = ?');
    this.failedStmt = db.prepare<[string, number]>('UPDATE garbage SET attempts = attempts + 1, last_error = ? WHERE id = ?');
    this.hasStmt = db.prepare<[string], number>('SELECT 1 FROM garbage WHERE rel_path = ?').pluck();
    this.statsStmt = db.prepare<[], { rows: number; bytes: number; failing: number }>(
      `SELECT count(*) AS rows, coalesce(sum(size_bytes), 0) AS bytes, coalesce(sum(attempts > 0), 0) AS failing FROM garbage`,
    );
    this.dropEmptyRunsStmt = db.prepare<[number]>(
      `DELETE FROM runs WHERE end_reason IS NOT NULL AND ended_ms < ?
       AND NOT EXISTS (SELECT 1 FROM segments WHERE run_id = runs.id)`,
    );
    this.collectTx = db.transaction((sel: Selection, nowMs: number, limit: number): Collected => {
      const out: Collected = { rows: 0, bytes: 0, byCamera: new Map() };
      for (const c of this.pick(sel, nowMs, limit)) {
        this.toGarbageStmt.run({ ...c, reason: sel.reason, nowMs });
        this.deleteSegmentStmt.run(c.id);
        out.rows += 1;
        out.bytes += c.sizeBytes;
        const cam = out.byCamera.get(c.cameraId) ?? { segments: 0, bytes: 0 };
        out.byCamera.set(c.cameraId, { segments: cam.segments + 1, bytes: cam.bytes + c.sizeBytes });
      }
      return out;
    });
    this.dropTx = db.transaction((ids: readonly number[]) => ids.reduce((n, id) => n + this.dropStmt.run(id).changes, 0));
  }

  /**
   * Move up to `limit` segments chosen by `sel` from segments to garbage in one IMMEDIATE
   * transaction; returns how many rows and bytes moved. The files are still on disk:
   * the caller unlinks `pending()` next.
   */
  collect(sel: Selection, nowMs: number, limit: number): Collected {
    return this.collectTx.immediate(sel, nowMs, limit);
  }

  /** Garbage rows left to unlink, oldest collection first, after the row `afterId`. */
  pending(limit: number, afterId = 0): GarbageRow[] {
    return this.pendingStmt.all(afterId, limit);
  }

  /** Drop garbage rows whose files are gone, in one transaction. */
  drop(ids: readonly number[]): number {
    return ids.length === 0 ? 0 : this.dropTx(ids);
  }

  /** An unlink failed: count it and keep the error for health. */
  noteFailure(id: number, error: string): void {
    this.failedStmt.run(error.slice(0, 300), id);
  }

  /** True while `relPath` is being deleted (reconcile and the watcher leave it alone). */
  has(relPath: string): boolean {
    return this.hasStmt.get(relPath) !== undefined;
  }

  stats(): { rows: number; bytes: number; failing: number } {
    return this.statsStmt.get() ?? { rows: 0, bytes: 0, failing: 0 };
  }

  /** Ended runs left without segments (all deleted) before `beforeMs`: nothing refers to them. */
  dropEmptyRuns(beforeMs: number): number {
    return this.dropEmptyRunsStmt.run(beforeMs).changes;
  }

  /** Candidates oldest first; byte-bounded selections stop once enough is picked. */
  private pick(sel: Selection, nowMs: number, limit: number): Candidate[] {
    if (sel.reason === 'age') return this.byAgeStmt.all({ nowMs, limit, cameraId: sel.cameraId, beforeMs: sel.beforeMs });
    const rows = sel.reason === 'quota'
      ? this.byCameraStmt.all({ nowMs, limit, cameraId: sel.cameraId })
      : this.oldestStmt.all({ nowMs, limit });
    const out: Candidate[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (bytes >= sel.bytes) break;
      out.push(r);
      bytes += r.sizeBytes;
    }
    return out;
  }
}
