/** The cameras table: one row per camera that ever recorded here. */
import type BetterSqlite3 from 'better-sqlite3';
import { StoredCamerasRepo } from './camera-store-repo.js';

export interface CameraRow {
  readonly id: string;
  readonly name: string;
  readonly createdMs: number;
  readonly updatedMs: number;
}

const columns = 'id, name, created_ms AS createdMs, updated_ms AS updatedMs';

export class CamerasRepo {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly listStmt;
  /** Cameras added through the API and every camera's health card (schema version 4). */
  readonly stored: StoredCamerasRepo;

  constructor(db: BetterSqlite3.Database) {
    this.stored = new StoredCamerasRepo(db);
    // The name follows the configuration; created_ms stays the first sighting.
    this.upsertStmt = db.prepare<{ id: string; name: string; nowMs: number; rename: number }>(
      `INSERT INTO cameras (id, name, created_ms, updated_ms) VALUES (@id, @name, @nowMs, @nowMs)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_ms = excluded.updated_ms
       WHERE cameras.name <> excluded.name AND @rename = 1`,
    );
    this.getStmt = db.prepare<[string], CameraRow>(`SELECT ${columns} FROM cameras WHERE id = ?`);
    this.listStmt = db.prepare<[], CameraRow>(`SELECT ${columns} FROM cameras ORDER BY id`);
  }

  /**
   * Make sure the camera has a row. With `rename` (the configured name) an existing
   * row takes the new name; without it (a name guessed from an id) it is left alone.
   */
  ensure(id: string, name: string, nowMs: number, rename = true): void {
    this.upsertStmt.run({ id, name, nowMs, rename: rename ? 1 : 0 });
  }

  get(id: string): CameraRow | undefined {
    return this.getStmt.get(id);
  }

  list(): CameraRow[] {
    return this.listStmt.all();
  }
}
