/**
 * Opening the index. The store is the only module that imports better-sqlite3, and it
 * imports only core. Every call is synchronous: a write is a few tens of microseconds in
 * WAL mode, far below a segment's length, and it keeps the indexer free of races.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { CamerasRepo } from './cameras-repo.js';
import { runMigrations } from './migrations.js';
import { RunsRepo } from './runs-repo.js';
import { SegmentsRepo } from './segments-repo.js';
import { UsersRepo } from './users-repo.js';
import { SessionsRepo } from './sessions-repo.js';
import { TokensRepo } from './tokens-repo.js';
import { AuditRepo } from './audit-repo.js';
import { HoldsRepo } from './holds-repo.js';
import { GarbageRepo } from './garbage-repo.js';
import { UsageRepo } from './usage-repo.js';
import { ClockRepo } from './clock-repo.js';
import { IntegrityRepo } from './integrity-repo.js';
import { FindingsRepo } from './findings-repo.js';
import { ExportsRepo } from './exports-repo.js';

export interface StoreOptions {
  /** Database file; its folder is created when missing. */
  readonly path: string;
  readonly log: Logger;
  /** Stamps schema_migrations.applied_ms; the system clock by default. */
  readonly clock?: Clock;
  /** How long a write waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
}

export interface Store {
  readonly path: string;
  readonly cameras: CamerasRepo;
  readonly runs: RunsRepo;
  readonly segments: SegmentsRepo;
  readonly users: UsersRepo;
  readonly sessions: SessionsRepo;
  readonly tokens: TokensRepo;
  readonly audit: AuditRepo;
  /** Evidence holds (retention never deletes held footage). */
  readonly holds: HoldsRepo;
  /** Crash-safe deletion: segments move to garbage, files go, garbage rows go. */
  readonly garbage: GarbageRepo;
  /** Footage totals, spans and recent bandwidth per camera (retention, health). */
  readonly usage: UsageRepo;
  /** What the box knew about its clock's sync state, and when (exports state it). */
  readonly clock: ClockRepo;
  /** Segment hashes and per-camera chains (integrity at rest). */
  readonly integrity: IntegrityRepo;
  /** What integrity checks found wrong. */
  readonly findings: FindingsRepo;
  /** Persistent export jobs. */
  readonly exports: ExportsRepo;
  /** Run `fn` in one IMMEDIATE transaction: all its writes happen or none. Nests. */
  transaction<T>(fn: () => T): T;
  /** A PRAGMA's value (journal_mode, foreign_keys, ...) for health checks and tests. */
  pragma(name: string): unknown;
  close(): void;
}

export function openStore(options: StoreOptions): Store {
  fs.mkdirSync(path.dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    configure(db, options.busyTimeoutMs ?? 5000);
    const applied = runMigrations(db, options.log, (options.clock ?? systemClock).nowMs());
    options.log.info({ path: options.path, applied }, 'index opened');
    return makeStore(db, options.path);
  } catch (err) {
    db.close();
    throw err;
  }
}

function configure(db: Database.Database, busyTimeoutMs: number): void {
  // WAL: readers (api, clips) never block the writer (indexer) and a crash cannot tear
  // the file. NORMAL sync in WAL mode survives a process crash; a power cut may lose the
  // last commits, which start-up reconciliation re-derives from the files on disk.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`could not switch the index to WAL (journal_mode=${String(mode)})`);
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // Off by default in SQLite; on, a segment cannot point at a missing run or camera.
  db.pragma('foreign_keys = ON');
}

function makeStore(db: Database.Database, file: string): Store {
  const runs = new RunsRepo(db);
  const store: Store = {
    path: file,
    cameras: new CamerasRepo(db),
    runs,
    segments: new SegmentsRepo(db, runs),
    users: new UsersRepo(db),
    sessions: new SessionsRepo(db),
    tokens: new TokensRepo(db),
    audit: new AuditRepo(db),
    holds: new HoldsRepo(db),
    garbage: new GarbageRepo(db),
    usage: new UsageRepo(db),
    clock: new ClockRepo(db),
    integrity: new IntegrityRepo(db),
    findings: new FindingsRepo(db),
    exports: new ExportsRepo(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    pragma: (name: string): unknown => db.pragma(name, { simple: true }),
    close: (): void => {
      if (db.open) db.close();
    },
  };
  return store;
}
