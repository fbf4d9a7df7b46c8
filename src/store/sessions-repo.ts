/** The sessions table: browser logins, keyed by the sha256 of the cookie's session id. */
import type BetterSqlite3 from 'better-sqlite3';

export interface NewSessionRow {
  readonly idHash: string;
  readonly userId: number;
  readonly nowMs: number;
  readonly expiresMs: number;
  readonly address: string;
}

/** A session with the current name and role of its user (a role change applies at once). */
export interface SessionWithUser {
  readonly idHash: string;
  readonly userId: number;
  readonly username: string;
  readonly role: string;
  readonly createdMs: number;
  readonly lastSeenMs: number;
  readonly expiresMs: number;
}

export class SessionsRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly deleteUserStmt;
  private readonly pruneStmt;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<NewSessionRow>(
      `INSERT INTO sessions (id_hash, user_id, created_ms, last_seen_ms, expires_ms, address)
       VALUES (@idHash, @userId, @nowMs, @nowMs, @expiresMs, @address)`,
    );
    this.getStmt = db.prepare<[string], SessionWithUser>(
      `SELECT s.id_hash AS idHash, s.user_id AS userId, u.username, u.role, s.created_ms AS createdMs,
              s.last_seen_ms AS lastSeenMs, s.expires_ms AS expiresMs
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
    );
    this.touchStmt = db.prepare<[number, string]>('UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?');
    this.deleteUserStmt = db.prepare<[number]>('DELETE FROM sessions WHERE user_id = ?');
    this.pruneStmt = db.prepare<{ nowMs: number; idleMs: number }>(
      'DELETE FROM sessions WHERE expires_ms <= @nowMs OR last_seen_ms + @idleMs <= @nowMs',
    );
  }

  insert(session: NewSessionRow): void {
    this.insertStmt.run(session);
  }

  get(idHash: string): SessionWithUser | undefined {
    return this.getStmt.get(idHash);
  }

  touch(idHash: string, nowMs: number): void {
    this.touchStmt.run(nowMs, idHash);
  }

  delete(idHash: string): void {
    this.deleteStmt.run(idHash);
  }

  deleteForUser(userId: number): number {
    return this.deleteUserStmt.run(userId).changes;
  }

  /** Removes ended sessions (absolute or idle expiry); returns how many. */
  prune(nowMs: number, idleMs: number): number {
    return this.pruneStmt.run({ nowMs, idleMs }).changes;
  }
}
