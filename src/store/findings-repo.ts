/**
 * What integrity checks found wrong (schema v6, integrity_findings). A finding found again
 * only refreshes last_seen_ms; a file found matching again resolves its file findings.
 * Rows are never deleted: they are part of the box's record.
 */
import type BetterSqlite3 from 'better-sqlite3';

export type FindingKind =
  | 'hash-mismatch'
  | 'size-mismatch'
  | 'missing-file'
  | 'unreadable'
  | 'row-edited'
  | 'chain-broken'
  | 'link-missing'
  | 'removed-outside-retention'
  | 'head-mismatch';

/** Kinds about one file's bytes: a later matching re-read resolves them. */
export const fileFindingKinds: readonly FindingKind[] = ['hash-mismatch', 'size-mismatch', 'missing-file', 'unreadable'];

export interface NewFinding {
  readonly cameraId: string;
  readonly kind: FindingKind;
  /** '' when not about one file. */
  readonly relPath: string;
  /** 0 when not about one chain position. */
  readonly chainSeq: number;
  readonly detail: string;
}

export interface FindingRow extends NewFinding {
  readonly id: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly resolvedMs: number | null;
  readonly acknowledgedMs: number | null;
  readonly acknowledgedBy: string | null;
}

const columns = `id, camera_id AS cameraId, kind, rel_path AS relPath, chain_seq AS chainSeq, detail,
  first_seen_ms AS firstSeenMs, last_seen_ms AS lastSeenMs, resolved_ms AS resolvedMs,
  acknowledged_ms AS acknowledgedMs, acknowledged_by AS acknowledgedBy`;
const open = 'resolved_ms IS NULL AND acknowledged_ms IS NULL';

export class FindingsRepo {
  private readonly upsertStmt;
  private readonly resolveStmt;
  private readonly openStmt;
  private readonly openCountStmt;
  private readonly ackStmt;
  private readonly allStmt;

  constructor(db: BetterSqlite3.Database) {
    // Found again: a resolved or acknowledged finding opens again (it is wrong again).
    this.upsertStmt = db.prepare<NewFinding & { nowMs: number }>(
      `INSERT INTO integrity_findings (camera_id, kind, rel_path, chain_seq, detail, first_seen_ms, last_seen_ms)
       VALUES (@cameraId, @kind, @relPath, @chainSeq, @detail, @nowMs, @nowMs)
       ON CONFLICT (camera_id, kind, rel_path, chain_seq) DO UPDATE SET detail = excluded.detail,
         last_seen_ms = excluded.last_seen_ms,
         acknowledged_ms = CASE WHEN resolved_ms IS NULL THEN acknowledged_ms END,
         acknowledged_by = CASE WHEN resolved_ms IS NULL THEN acknowledged_by END,
         resolved_ms = NULL`,
    );
    this.resolveStmt = db.prepare<[number, string]>(
      `UPDATE integrity_findings SET resolved_ms = ? WHERE rel_path = ? AND resolved_ms IS NULL
       AND kind IN (${fileFindingKinds.map((k) => `'${k}'`).join(', ')})`,
    );
    this.openStmt = db.prepare<[number], FindingRow>(`SELECT ${columns} FROM integrity_findings WHERE ${open} ORDER BY id LIMIT ?`);
    this.openCountStmt = db.prepare<[], number>(`SELECT count(*) FROM integrity_findings WHERE ${open}`).pluck();
    this.ackStmt = db.prepare<[number, string]>(`UPDATE integrity_findings SET acknowledged_ms = ?, acknowledged_by = ? WHERE ${open}`);
    this.allStmt = db.prepare<[number], FindingRow>(`SELECT ${columns} FROM integrity_findings ORDER BY id LIMIT ?`);
  }

  record(f: NewFinding, nowMs: number): void {
    this.upsertStmt.run({ ...f, nowMs });
  }

  /** The file at `relPath` matched its seal again: its file findings are resolved. */
  resolveFile(relPath: string, nowMs: number): number {
    return this.resolveStmt.run(nowMs, relPath).changes;
  }

  /** Findings neither resolved nor acknowledged, oldest first. */
  open(limit: number): FindingRow[] {
    return this.openStmt.all(limit);
  }

  openCount(): number {
    return this.openCountStmt.get() ?? 0;
  }

  /** An admin has seen the open findings (they stay in the table). Returns how many. */
  acknowledgeOpen(by: string, nowMs: number): number {
    return this.ackStmt.run(nowMs, by).changes;
  }

  all(limit: number): FindingRow[] {
    return this.allStmt.all(limit);
  }
}
