/**
 * Export packages do not stay forever: a finished package older than exports.keepDays,
 * counted from when it was finished, is deleted, so evidence handed over long ago does not
 * eat the space footage needs (retention would delete footage to make up for it). The job
 * row stays, marked expired, and so does its hold: the footage can be exported again.
 * Unlink first, then mark: a crash in between leaves a kept row whose file is gone, and
 * the next pass (rm with force) marks it. A failed unlink is logged, counted and shown in
 * the storage report, and retried at the next pass.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { dayMs, toIso } from '../core/time.js';
import type { Store } from '../store/db.js';
import type { ExportJobRow, PackageUsage } from '../store/exports-repo.js';
import { auditJob, type JobAuditDeps } from './job-audit.js';


export interface HousekeepingDeps extends JobAuditDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly exportsDir: string;
  /** 0 = packages are kept until deleted by hand. */
  readonly keepDays: number;
}

/** What the storage report shows of exports (GET /api/v1/storage, `exports`). */
export interface ExportsStorage extends PackageUsage {
  readonly keepDays: number;
  /** Packages deleted for age since start. */
  readonly expired: number;
  /** Failed unlinks of expired packages since start (each is retried at the next pass). */
  readonly deleteFailures: number;
  readonly lastDeleteError: string | null;
}

export class PackageHousekeeping {
  private expired = 0;
  private failures = 0;
  private lastError: string | null = null;

  constructor(private readonly deps: HousekeepingDeps) {}

  /** Packages on disk (from the index) and what housekeeping did since start. */
  storage(): ExportsStorage {
    return {
      ...this.deps.store.exports.packageUsage(), keepDays: this.deps.keepDays,
      expired: this.expired, deleteFailures: this.failures, lastDeleteError: this.lastError,
    };
  }

  /** One pass: delete every package finished more than keepDays ago; returns the ids expired. */
  async pass(): Promise<number[]> {
    const { store, clock, keepDays } = this.deps;
    if (keepDays === 0) return [];
    const expired: number[] = [];
    for (const job of store.exports.expirable(clock.nowMs() - keepDays * dayMs)) {
      if (await this.expire(job)) expired.push(job.id);
    }
    return expired;
  }

  private async expire(job: ExportJobRow): Promise<boolean> {
    const { store, clock, log, exportsDir, keepDays } = this.deps;
    try {
      if (job.packageFile !== null) await rm(path.join(exportsDir, job.packageFile), { force: true });
    } catch (err) {
      this.failures += 1;
      this.lastError = `export ${job.id}, ${job.packageFile}: ${(err as Error).message}`.slice(0, 500);
      log.error({ exportId: job.id, err: (err as Error).message }, 'an expired export package could not be deleted; retried at the next pass');
      return false;
    }
    // False when it was deleted by hand meanwhile: that deletion was audited already.
    if (!store.exports.markExpired(job.id, clock.nowMs())) return false;
    this.expired += 1;
    log.info({ exportId: job.id, packageBytes: job.packageBytes }, 'export package expired and deleted');
    auditJob(this.deps, job, 'export.expire', 'ok', `package ${job.packageFile} (${job.packageBytes} bytes, sha256 ${job.packageSha256}) `
      + `finished ${job.finishedMs === null ? '?' : toIso(job.finishedMs)} deleted after exports.keepDays = ${keepDays} days; its hold, if any, stays`);
    return true;
  }
}
