/** The api_tokens table: bearer tokens for scripts, stored as the sha256 of the token. */
import type BetterSqlite3 from 'better-sqlite3';

export interface TokenRow {
  readonly id: number;
  readonly name: string;
  /** 'viewer' | 'investigator' | 'admin' (a CHECK constraint; narrowed by src/auth). */
  readonly role: string;
  readonly createdMs: number;
  readonly createdBy: string;
  readonly lastUsedMs: number | null;
  readonly revokedMs: number | null;
}

export interface NewToken {
  readonly name: string;
  readonly role: string;
  readonly tokenHash: string;
  readonly createdBy: string;
  readonly nowMs: number;
}

const columns = `id, name, role, created_ms AS createdMs, created_by AS createdBy,
  last_used_ms AS lastUsedMs, revoked_ms AS revokedMs`;

export class TokensRepo {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly byHashStmt;
  private readonly listStmt;
  private readonly touchStmt;
  private readonly revokeStmt;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<NewToken>(
      `INSERT INTO api_tokens (name, role, token_hash, created_ms, created_by)
       VALUES (@name, @role, @tokenHash, @nowMs, @createdBy)`,
    );
    this.byIdStmt = db.prepare<[number], TokenRow>(`SELECT ${columns} FROM api_tokens WHERE id = ?`);
    this.byHashStmt = db.prepare<[string], TokenRow>(`SELECT ${columns} FROM api_tokens WHERE token_hash = ? AND revoked_ms IS NULL`);
    this.listStmt = db.prepare<[], TokenRow>(`SELECT ${columns} FROM api_tokens ORDER BY id`);
    this.touchStmt = db.prepare<[number, number]>('UPDATE api_tokens SET last_used_ms = ? WHERE id = ?');
    this.revokeStmt = db.prepare<[number, number]>('UPDATE api_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL');
  }

  /** Throws SQLITE_CONSTRAINT_UNIQUE when a live token has the name. */
  insert(token: NewToken): TokenRow {
    const id = Number(this.insertStmt.run(token).lastInsertRowid);
    return this.byIdStmt.get(id)!;
  }

  get(id: number): TokenRow | undefined {
    return this.byIdStmt.get(id);
  }

  /** The live (not revoked) token with this hash. */
  getLive(tokenHash: string): TokenRow | undefined {
    return this.byHashStmt.get(tokenHash);
  }

  list(): TokenRow[] {
    return this.listStmt.all();
  }

  touch(id: number, nowMs: number): void {
    this.touchStmt.run(nowMs, id);
  }

  /** True when the token was live and is now revoked. */
  revoke(id: number, nowMs: number): boolean {
    return this.revokeStmt.run(nowMs, id).changes > 0;
  }
}
