/** The stored_cameras and camera_health_cards tables (schema version 4). */
import type BetterSqlite3 from 'better-sqlite3';
import type { AudioMode } from '../core/types.js';

/** A camera added through the API. URLs carry no credentials (those live apart). */
export interface StoredCameraRow {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly subUrl: string | null;
  readonly enabled: boolean;
  readonly audio: AudioMode;
  readonly onvifHost: string | null;
  readonly onvifPort: number | null;
  /** JSON written and read by the cameras module; opaque here. */
  readonly onvifJson: string | null;
  readonly clockOffsetMs: number | null;
  readonly createdMs: number;
  readonly updatedMs: number;
}

export interface HealthCardRow {
  readonly cameraId: string;
  readonly checkedMs: number;
  readonly urlSha256: string;
  /** JSON written and read by the cameras module; opaque here. */
  readonly cardJson: string;
}

type DbRow = Omit<StoredCameraRow, 'enabled'> & { enabled: number };

const columns = `id, name, url, sub_url AS subUrl, enabled, audio, onvif_host AS onvifHost, onvif_port AS onvifPort,
  onvif_json AS onvifJson, clock_offset_ms AS clockOffsetMs, created_ms AS createdMs, updated_ms AS updatedMs`;

const toRow = (r: DbRow): StoredCameraRow => ({ ...r, enabled: r.enabled === 1 });
const toDb = (r: StoredCameraRow): DbRow => ({ ...r, enabled: r.enabled ? 1 : 0 });

export class StoredCamerasRepo {
  private readonly listStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly cardsStmt;
  private readonly putCardStmt;
  private readonly deleteCardStmt;

  constructor(db: BetterSqlite3.Database) {
    this.listStmt = db.prepare<[], DbRow>(`SELECT ${columns} FROM stored_cameras ORDER BY id`);
    // DO NOTHING: two admins adding the same id at once; the second learns it from `false`.
    this.insertStmt = db.prepare<DbRow>(
      `INSERT INTO stored_cameras (id, name, url, sub_url, enabled, audio, onvif_host, onvif_port, onvif_json, clock_offset_ms, created_ms, updated_ms)
       VALUES (@id, @name, @url, @subUrl, @enabled, @audio, @onvifHost, @onvifPort, @onvifJson, @clockOffsetMs, @createdMs, @updatedMs)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.updateStmt = db.prepare<DbRow>(
      `UPDATE stored_cameras SET name = @name, url = @url, sub_url = @subUrl, enabled = @enabled, audio = @audio,
         onvif_host = @onvifHost, onvif_port = @onvifPort, onvif_json = @onvifJson, clock_offset_ms = @clockOffsetMs,
         updated_ms = @updatedMs
       WHERE id = @id`,
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM stored_cameras WHERE id = ?');
    this.cardsStmt = db.prepare<[], HealthCardRow>(
      'SELECT camera_id AS cameraId, checked_ms AS checkedMs, url_sha256 AS urlSha256, card_json AS cardJson FROM camera_health_cards',
    );
    this.putCardStmt = db.prepare<HealthCardRow>(
      `INSERT INTO camera_health_cards (camera_id, checked_ms, url_sha256, card_json) VALUES (@cameraId, @checkedMs, @urlSha256, @cardJson)
       ON CONFLICT (camera_id) DO UPDATE SET checked_ms = excluded.checked_ms, url_sha256 = excluded.url_sha256, card_json = excluded.card_json`,
    );
    this.deleteCardStmt = db.prepare<[string]>('DELETE FROM camera_health_cards WHERE camera_id = ?');
  }

  list(): StoredCameraRow[] {
    return this.listStmt.all().map(toRow);
  }

  /** False when the id is taken (nothing written). */
  insert(row: StoredCameraRow): boolean {
    return this.insertStmt.run(toDb(row)).changes > 0;
  }

  /** False when there is no such camera. */
  update(row: StoredCameraRow): boolean {
    return this.updateStmt.run(toDb(row)).changes > 0;
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  healthCards(): HealthCardRow[] {
    return this.cardsStmt.all();
  }

  putHealthCard(row: HealthCardRow): void {
    this.putCardStmt.run(row);
  }

  deleteHealthCard(cameraId: string): void {
    this.deleteCardStmt.run(cameraId);
  }
}
