/**
 * The users table. Rows without the password hash are what leaves the auth module; the
 * hash is read only by the one query that checks a password.
 */
import type BetterSqlite3 from 'better-sqlite3';

export interface UserRow {
  readonly id: number;
  readonly username: string;
  /** 'viewer' | 'investigator' | 'admin' (a CHECK constraint; narrowed by src/auth). */
  readonly role: string;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly lastLoginMs: number | null;
}

export interface UserWithHash extends UserRow {
  readonly passwordHash: string;
}

export interface NewUser {
  readonly username: string;
  readonly role: string;
  readonly passwordHash: string;
  readonly nowMs: number;
}

const columns = 'id, username, role, created_ms AS createdMs, updated_ms AS updatedMs, last_login_ms AS lastLoginMs';

export class UsersRepo {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly byNameStmt;
  private readonly listStmt;
  private readonly countStmt;
  private readonly countRoleStmt;
  private readonly setRoleStmt;
  private readonly setHashStmt;
  private readonly loginStmt;
  private readonly deleteStmt;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<NewUser>(
      `INSERT INTO users (username, role, password_hash, created_ms, updated_ms)
       VALUES (@username, @role, @passwordHash, @nowMs, @nowMs)`,
    );
    this.byIdStmt = db.prepare<[number], UserRow>(`SELECT ${columns} FROM users WHERE id = ?`);
    this.byNameStmt = db.prepare<[string], UserWithHash>(`SELECT ${columns}, password_hash AS passwordHash FROM users WHERE username = ?`);
    this.listStmt = db.prepare<[], UserRow>(`SELECT ${columns} FROM users ORDER BY username`);
    this.countStmt = db.prepare<[], number>('SELECT count(*) FROM users').pluck();
    this.countRoleStmt = db.prepare<[string], number>('SELECT count(*) FROM users WHERE role = ?').pluck();
    this.setRoleStmt = db.prepare<[string, number, number]>('UPDATE users SET role = ?, updated_ms = ? WHERE id = ?');
    this.setHashStmt = db.prepare<[string, number, number]>('UPDATE users SET password_hash = ?, updated_ms = ? WHERE id = ?');
    this.loginStmt = db.prepare<[number, number]>('UPDATE users SET last_login_ms = ? WHERE id = ?');
    this.deleteStmt = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
  }

  /** Returns the new row; throws SQLITE_CONSTRAINT_UNIQUE when the name is taken. */
  insert(user: NewUser): UserRow {
    const id = Number(this.insertStmt.run(user).lastInsertRowid);
    return this.byIdStmt.get(id)!;
  }

  get(id: number): UserRow | undefined {
    return this.byIdStmt.get(id);
  }

  /** With the password hash: only for checking a password. */
  getWithHash(username: string): UserWithHash | undefined {
    return this.byNameStmt.get(username);
  }

  list(): UserRow[] {
    return this.listStmt.all();
  }

  count(role?: string): number {
    return role === undefined ? this.countStmt.get()! : this.countRoleStmt.get(role)!;
  }

  setRole(id: number, role: string, nowMs: number): void {
    this.setRoleStmt.run(role, nowMs, id);
  }

  setPasswordHash(id: number, passwordHash: string, nowMs: number): void {
    this.setHashStmt.run(passwordHash, nowMs, id);
  }

  recordLogin(id: number, nowMs: number): void {
    this.loginStmt.run(nowMs, id);
  }

  /** Also ends the user's sessions (ON DELETE CASCADE). True when a row was deleted. */
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
