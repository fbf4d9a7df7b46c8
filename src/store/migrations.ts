/**
 * Numbered schema migrations. The database's version is the highest row of
 * schema_migrations (0 when the table does not exist yet). Pending migrations run in one
 * IMMEDIATE transaction, so a crash or an error leaves the file at the old version, never
 * half-migrated. Never edit a released migration: add the next number.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { schemaV1Sql, schemaV2Sql } from './schema.js';
import { schemaV3Sql } from './schema-retention.js';
import { schemaV4Sql } from './schema-cameras.js';
import { schemaV5Sql } from './schema-clock.js';
import { schemaV6Sql } from './schema-integrity.js';
import { schemaV7Sql } from './schema-exports.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, name: 'runs and segments', sql: schemaV1Sql },
  { version: 2, name: 'users, sessions, api tokens and the audit trail', sql: schemaV2Sql },
  { version: 3, name: 'evidence holds, garbage (crash-safe deletion), per-camera totals', sql: schemaV3Sql },
  { version: 4, name: 'stored cameras (API-added, ONVIF facts) and camera health cards', sql: schemaV4Sql },
  { version: 5, name: 'clock-sync observations', sql: schemaV5Sql },
  { version: 6, name: 'segment hashes chained per camera, integrity findings, export jobs', sql: schemaV6Sql },
  { version: 7, name: 'export packages expire (exports.keepDays)', sql: schemaV7Sql },
];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);

/** The schema version stored in the file; 0 for a fresh database. */
export function currentSchemaVersion(db: BetterSqlite3.Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number };
  return row.v;
}

/**
 * Apply every migration newer than the file's version. Returns the versions applied
 * (empty on a reopen). Refuses a file written by a newer build: running old code on a
 * newer schema could corrupt it.
 */
export function runMigrations(db: BetterSqlite3.Database, log: Logger, nowMs: number): number[] {
  const apply = db.transaction((): number[] => {
    const from = currentSchemaVersion(db);
    if (from > latestSchemaVersion) {
      throw new NvrError('INTERNAL', `database schema version ${from} is newer than this build supports (${latestSchemaVersion})`, {
        found: from,
        supported: latestSchemaVersion,
      });
    }
    const pending = migrations.filter((m) => m.version > from).sort((a, b) => a.version - b.version);
    for (const m of pending) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(m.version, nowMs);
      log.info({ version: m.version, migration: m.name }, 'schema migration applied');
    }
    return pending.map((m) => m.version);
  });
  return apply.immediate();
}
