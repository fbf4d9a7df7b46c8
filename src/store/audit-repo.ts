/**
 * The audit_log table: append-only, hash-chained. Each row's hash is
 * sha256(prev_hash + "\n" + canonical content), the canonical content being the JSON
 * array of its id and fields in a fixed order (auditHash below; the verifier uses the
 * same function). The append is ONE prepared INSERT that reads the chain head and the
 * next id inside the statement, so it is atomic, needs no in-memory head, and stays
 * correct when another process (the `nvr token create` command) appends to the same file.
 */
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';

export const genesisHash = '0'.repeat(64);

/** What a caller records; the id, prev_hash and hash are the chain's. */
export interface AuditFields {
  readonly atMs: number;
  readonly actor: string;
  readonly address: string;
  readonly action: string;
  readonly result: string;
  readonly cameraId: string | null;
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly servedBytes: number | null;
  readonly detail: string | null;
}

export interface AuditRow extends AuditFields {
  readonly id: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash of a row: the chain's one definition, used to append and to verify. */
export function auditHash(prevHash: string, id: number, f: AuditFields): string {
  const canonical = JSON.stringify([
    id, f.atMs, f.actor, f.address, f.action, f.result, f.cameraId, f.fromMs, f.toMs, f.servedBytes, f.detail,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

const columns = `id, at_ms AS atMs, actor, address, action, result, camera_id AS cameraId, from_ms AS fromMs,
  to_ms AS toMs, served_bytes AS servedBytes, detail, prev_hash AS prevHash, hash`;

// The next id is one above both the highest id ever handed out (sqlite_sequence, which a
// removed last row does not lower) and the highest present, so a removed row stays a hole.
const appendSql = `
  INSERT INTO audit_log (id, at_ms, actor, address, action, result, camera_id, from_ms, to_ms, served_bytes, detail, prev_hash, hash)
  SELECT next.id, @atMs, @actor, @address, @action, @result, @cameraId, @fromMs, @toMs, @servedBytes, @detail, next.prev,
         nvr_audit_hash(next.prev, next.id, @atMs, @actor, @address, @action, @result, @cameraId, @fromMs, @toMs, @servedBytes, @detail)
  FROM (SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0),
                   coalesce((SELECT max(id) FROM audit_log), 0)) + 1 AS id,
               coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '${genesisHash}') AS prev) AS next
  RETURNING id, hash`;

type Value = string | number | null;

export class AuditRepo {
  private readonly appendStmt;
  private readonly rangeStmt;
  private readonly iterateStmt;
  private readonly sequenceStmt;
  private readonly countStmt;
  private readonly headStmt;

  constructor(db: BetterSqlite3.Database) {
    db.function('nvr_audit_hash', { deterministic: true, varargs: true }, (...args: unknown[]) => {
      const [prev, id, atMs, actor, address, action, result, cameraId, fromMs, toMs, servedBytes, detail] = args as Value[];
      return auditHash(String(prev), Number(id), {
        atMs: Number(atMs), actor: String(actor), address: String(address), action: String(action), result: String(result),
        cameraId: cameraId as string | null, fromMs: fromMs as number | null, toMs: toMs as number | null,
        servedBytes: servedBytes as number | null, detail: detail as string | null,
      });
    });
    this.appendStmt = db.prepare<AuditFields, { id: number; hash: string }>(appendSql);
    this.rangeStmt = db.prepare<{ fromMs: number; toMs: number; limit: number }, AuditRow>(
      `SELECT ${columns} FROM audit_log WHERE at_ms >= @fromMs AND at_ms < @toMs ORDER BY at_ms DESC, id DESC LIMIT @limit`,
    );
    this.iterateStmt = db.prepare<[], AuditRow>(`SELECT ${columns} FROM audit_log ORDER BY id`);
    this.sequenceStmt = db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").pluck();
    this.countStmt = db.prepare<[], number>('SELECT count(*) FROM audit_log').pluck();
    this.headStmt = db.prepare<[], { id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
  }

  /** Appends one entry; synchronous, one statement. Returns its id and hash. */
  append(fields: AuditFields): { id: number; hash: string } {
    return this.appendStmt.get(fields)!;
  }

  /** Newest first, at_ms in [fromMs, toMs). */
  range(fromMs: number, toMs: number, limit: number): AuditRow[] {
    return this.rangeStmt.all({ fromMs, toMs, limit });
  }

  /** Every row in id order, streamed (the verifier walks millions without loading them). */
  iterate(): IterableIterator<AuditRow> {
    return this.iterateStmt.iterate();
  }

  /** The highest id ever handed out (0 before the first entry). */
  highestIssuedId(): number {
    return this.sequenceStmt.get() ?? 0;
  }

  count(): number {
    return this.countStmt.get()!;
  }

  /** The last entry's id and hash (the chain head), or undefined for an empty trail. */
  head(): { id: number; hash: string } | undefined {
    return this.headStmt.get();
  }
}
