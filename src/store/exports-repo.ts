/** Export jobs (schema v6, export_jobs; expiry v7): persistent, so a restart resumes them. */
import type BetterSqlite3 from 'better-sqlite3';

export type ExportState = 'queued' | 'running' | 'done' | 'failed';

export interface NewExportJob {
  readonly cameraIds: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly caseNumber: string;
  readonly reason: string;
  readonly createdBy: string;
  readonly address: string;
  readonly createdMs: number;
}

export interface ExportJobRow extends NewExportJob {
  readonly id: number;
  readonly state: ExportState;
  readonly holdId: number | null;
  readonly doneBytes: number;
  readonly totalBytes: number;
  readonly attempts: number;
  readonly startedMs: number | null;
  readonly finishedMs: number | null;
  readonly error: string | null;
  readonly packageFile: string | null;
  readonly packageBytes: number | null;
  readonly packageSha256: string | null;
  readonly manifestSha256: string | null;
  readonly downloadedMs: number | null;
  /** When the package file was deleted, by hand or by expiry; null while kept. */
  readonly deletedMs: number | null;
  /** Set (= deletedMs) when housekeeping deleted the package for age (exports.keepDays). */
  readonly expiredMs: number | null;
}

/** Finished packages still on disk, as the storage report shows them. */
export interface PackageUsage {
  readonly packages: number;
  readonly bytes: number;
}

export interface FinishedPackage {
  readonly packageFile: string;
  readonly packageBytes: number;
  readonly packageSha256: string;
  readonly manifestSha256: string;
}

const columns = `id, state, camera_ids AS cameraIds, from_ms AS fromMs, to_ms AS toMs, case_number AS caseNumber,
  reason, created_by AS createdBy, address, created_ms AS createdMs, hold_id AS holdId, done_bytes AS doneBytes,
  total_bytes AS totalBytes, attempts, started_ms AS startedMs, finished_ms AS finishedMs, error,
  package_file AS packageFile, package_bytes AS packageBytes, package_sha256 AS packageSha256,
  manifest_sha256 AS manifestSha256, downloaded_ms AS downloadedMs, deleted_ms AS deletedMs, expired_ms AS expiredMs`;

/** A finished package still on disk (index export_jobs_kept). */
const kept = "state = 'done' AND deleted_ms IS NULL";

type DbJob = Omit<ExportJobRow, 'cameraIds'> & { cameraIds: string };
const toRow = (r: DbJob): ExportJobRow => ({ ...r, cameraIds: JSON.parse(r.cameraIds) as string[] });

export class ExportsRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly pendingStmt;
  private readonly setHoldStmt;
  private readonly startStmt;
  private readonly progressStmt;
  private readonly doneStmt;
  private readonly failStmt;
  private readonly downloadedStmt;
  private readonly deletedStmt;
  private readonly expirableStmt;
  private readonly expiredStmt;
  private readonly usageStmt;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<Omit<NewExportJob, 'cameraIds'> & { cameraIds: string }>(
      `INSERT INTO export_jobs (state, camera_ids, from_ms, to_ms, case_number, reason, created_by, address, created_ms)
       VALUES ('queued', @cameraIds, @fromMs, @toMs, @caseNumber, @reason, @createdBy, @address, @createdMs)`,
    );
    this.getStmt = db.prepare<[number], DbJob>(`SELECT ${columns} FROM export_jobs WHERE id = ?`);
    this.listStmt = db.prepare<[number], DbJob>(`SELECT ${columns} FROM export_jobs ORDER BY id DESC LIMIT ?`);
    this.pendingStmt = db.prepare<[], DbJob>(`SELECT ${columns} FROM export_jobs WHERE state IN ('queued', 'running') ORDER BY id`);
    this.setHoldStmt = db.prepare<[number, number]>('UPDATE export_jobs SET hold_id = ? WHERE id = ?');
    this.startStmt = db.prepare<[number, number]>(
      `UPDATE export_jobs SET state = 'running', attempts = attempts + 1, started_ms = ?, done_bytes = 0, total_bytes = 0
       WHERE id = ? AND state IN ('queued', 'running')`,
    );
    this.progressStmt = db.prepare<[number, number, number]>(
      "UPDATE export_jobs SET done_bytes = ?, total_bytes = ? WHERE id = ? AND state = 'running'",
    );
    this.doneStmt = db.prepare<FinishedPackage & { id: number; nowMs: number }>(
      `UPDATE export_jobs SET state = 'done', finished_ms = @nowMs, done_bytes = total_bytes, error = NULL,
         package_file = @packageFile, package_bytes = @packageBytes, package_sha256 = @packageSha256,
         manifest_sha256 = @manifestSha256
       WHERE id = @id AND state = 'running'`,
    );
    this.failStmt = db.prepare<[number, string, number]>(
      "UPDATE export_jobs SET state = 'failed', finished_ms = ?, error = ? WHERE id = ? AND state IN ('queued', 'running')",
    );
    this.downloadedStmt = db.prepare<[number, number]>('UPDATE export_jobs SET downloaded_ms = ? WHERE id = ? AND downloaded_ms IS NULL');
    this.deletedStmt = db.prepare<[number, number]>('UPDATE export_jobs SET deleted_ms = ? WHERE id = ? AND deleted_ms IS NULL');
    this.expirableStmt = db.prepare<[number], DbJob>(`SELECT ${columns} FROM export_jobs WHERE ${kept} AND finished_ms < ? ORDER BY finished_ms, id`);
    this.expiredStmt = db.prepare<{ id: number; nowMs: number }>(
      `UPDATE export_jobs SET deleted_ms = @nowMs, expired_ms = @nowMs WHERE id = @id AND ${kept}`,
    );
    this.usageStmt = db.prepare<[], PackageUsage>(`SELECT count(*) AS packages, coalesce(sum(package_bytes), 0) AS bytes FROM export_jobs WHERE ${kept}`);
  }

  create(job: NewExportJob): number {
    return Number(this.insertStmt.run({ ...job, cameraIds: JSON.stringify(job.cameraIds) }).lastInsertRowid);
  }

  get(id: number): ExportJobRow | undefined {
    const r = this.getStmt.get(id);
    return r && toRow(r);
  }

  /** Newest first. */
  list(limit: number): ExportJobRow[] {
    return this.listStmt.all(limit).map(toRow);
  }

  /** Jobs to run: queued ones and those a restart interrupted, oldest first. */
  pending(): ExportJobRow[] {
    return this.pendingStmt.all().map(toRow);
  }

  setHold(id: number, holdId: number): void {
    this.setHoldStmt.run(holdId, id);
  }

  /** A run starts (again): progress back to zero, attempts counted. False if the job ended. */
  start(id: number, nowMs: number): boolean {
    return this.startStmt.run(nowMs, id).changes > 0;
  }

  progress(id: number, doneBytes: number, totalBytes: number): void {
    this.progressStmt.run(Math.round(doneBytes), Math.round(totalBytes), id);
  }

  done(id: number, pkg: FinishedPackage, nowMs: number): boolean {
    return this.doneStmt.run({ ...pkg, id, nowMs }).changes > 0;
  }

  fail(id: number, error: string, nowMs: number): boolean {
    return this.failStmt.run(nowMs, error.slice(0, 1000), id).changes > 0;
  }

  /** First complete download; false when it was downloaded before. */
  markDownloaded(id: number, nowMs: number): boolean {
    return this.downloadedStmt.run(nowMs, id).changes > 0;
  }

  markDeleted(id: number, nowMs: number): boolean {
    return this.deletedStmt.run(nowMs, id).changes > 0;
  }

  /** Finished packages still on disk that were finished before `finishedBeforeMs`, oldest first. */
  expirable(finishedBeforeMs: number): ExportJobRow[] {
    return this.expirableStmt.all(finishedBeforeMs).map(toRow);
  }

  /** The package was deleted for age; false when it was gone already (deleted by hand meanwhile). */
  markExpired(id: number, nowMs: number): boolean {
    return this.expiredStmt.run({ id, nowMs }).changes > 0;
  }

  /** How many finished packages are on disk and their bytes. */
  packageUsage(): PackageUsage {
    return this.usageStmt.get() ?? { packages: 0, bytes: 0 };
  }
}
