/**
 * Export jobs as the api sees them: validate a request (every refusal names the field and
 * the value), record the job and place an evidence hold on its range in one transaction,
 * wake the runner; list and describe jobs; hand out the finished package for download;
 * release the hold once the package was downloaded whole or on request; delete a package
 * (its creator or an admin). A package deleted by hand or expired answers 410 Gone.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { Store } from '../store/db.js';
import type { ExportJobRow } from '../store/exports-repo.js';

export interface ExportRequest {
  cameras?: unknown;
  from?: unknown;
  to?: unknown;
  caseNumber?: unknown;
  reason?: unknown;
}

/** The holds service, as exports use it: it validates the request and holds the range. */
export interface HoldsPort {
  create(req: ExportRequest, actor: string): { id: number; cameraIds: string[]; fromMs: number; toMs: number; caseNumber: string; reason: string };
  release(id: number, actor: string): unknown;
}

export interface ExportServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly holds: HoldsPort;
  /** Is anything recorded for the camera in [fromMs, toMs)? */
  readonly hasFootage: (cameraId: string, fromMs: number, toMs: number) => boolean;
  readonly exportsDir: string;
  readonly maxRangeMs: number;
  /** Wake the runner (a job was queued). */
  readonly kick: () => void;
}

export interface ExportView extends ExportJobRow {
  /** done / total, 0..1 (1 once done). */
  readonly progress: number;
  /** Where to download the package; null until it is done (or after it was deleted). */
  readonly downloadUrl: string | null;
}

/** Who asks to delete a package: only its creator or an admin may. */
export interface Deleter {
  readonly actor: string;
  readonly isAdmin: boolean;
}

export interface PackageDownload {
  readonly absPath: string;
  readonly fileName: string;
  readonly lengthBytes: number;
  readonly etag: string;
}

export class ExportService {
  constructor(private readonly deps: ExportServiceDeps) {}

  /**
   * Validation is the holds service's (the same fields, rules and messages): the hold is
   * created first inside the transaction, and anything refused after it rolls it back.
   */
  create(req: ExportRequest, who: { actor: string; address: string }): ExportView {
    const { store, clock } = this.deps;
    const id = store.transaction(() => {
      const hold = this.deps.holds.create({ cameras: req.cameras, from: req.from, to: req.to, caseNumber: req.caseNumber, reason: req.reason }, who.actor);
      const { fromMs, toMs, caseNumber, reason } = hold;
      // In the order asked (the hold keeps them sorted); the holds service checked each id.
      const cameraIds = [...new Set(req.cameras as string[])];
      if (toMs - fromMs > this.deps.maxRangeMs) {
        throw new NvrError('RANGE_TOO_LONG', `the range ${toIso(fromMs)}..${toIso(toMs)} is ${Math.round((toMs - fromMs) / 60_000)} min long; one export covers at most ${this.deps.maxRangeMs / 60_000} min (exports.maxRangeSeconds)`);
      }
      if (!cameraIds.some((c) => this.deps.hasFootage(c, fromMs, toMs))) {
        throw new NvrError('NOTHING_RECORDED', `none of the cameras [${cameraIds.join(', ')}] recorded anything between ${toIso(fromMs)} and ${toIso(toMs)}`);
      }
      const jobId = store.exports.create({ cameraIds, fromMs, toMs, caseNumber, reason, createdBy: who.actor, address: who.address, createdMs: clock.nowMs() });
      store.exports.setHold(jobId, hold.id);
      return jobId;
    });
    this.deps.kick();
    return this.get(id);
  }

  get(id: number): ExportView {
    return view(this.require(id));
  }

  list(limit = 200): ExportView[] {
    return this.deps.store.exports.list(limit).map(view);
  }

  /** The finished package of a job; CONFLICT while it is being built, GONE once deleted or expired. */
  download(id: number): PackageDownload {
    const job = this.require(id);
    if (job.state !== 'done' || job.packageFile === null || job.packageBytes === null || job.packageSha256 === null) {
      throw new NvrError('CONFLICT', `export ${id} is ${job.state}${job.error ? ` (${job.error})` : ''}: there is no package to download yet`);
    }
    if (job.deletedMs !== null) throw gone(job, job.deletedMs);
    return { absPath: path.join(this.deps.exportsDir, job.packageFile), fileName: job.packageFile, lengthBytes: job.packageBytes, etag: `"${job.packageSha256}"` };
  }

  /** The last byte of the package reached the client: the first time, the hold ends. */
  downloaded(id: number, actor: string): { holdReleased: number | null } {
    const job = this.require(id);
    if (!this.deps.store.exports.markDownloaded(id, this.deps.clock.nowMs())) return { holdReleased: null };
    return { holdReleased: this.releaseHold(job, actor) };
  }

  /** End the export's hold by hand (the footage may be deleted by retention again). */
  release(id: number, actor: string): ExportView {
    const job = this.require(id);
    if (this.releaseHold(job, actor) === null) throw new NvrError('CONFLICT', `export ${id} holds no footage (its hold was released already)`);
    return this.get(id);
  }

  /**
   * Delete the package file now and release the hold; the job's record stays. Only its
   * creator or an admin may. A job still queued or being built is refused (CONFLICT), not
   * cancelled: the build would have to be torn down mid-write; delete it once it ended.
   */
  async remove(id: number, by: Deleter): Promise<ExportView> {
    const job = this.require(id);
    if (!by.isAdmin && by.actor !== job.createdBy) {
      throw new NvrError('FORBIDDEN', `export ${id} was made by ${job.createdBy}; only they or an admin may delete it (you are ${by.actor})`);
    }
    if (job.state === 'queued' || job.state === 'running') {
      throw new NvrError('CONFLICT', `export ${id} is ${job.state}: it cannot be deleted while it is queued or being built; delete it once it is done or failed`);
    }
    if (job.deletedMs !== null) throw gone(job, job.deletedMs);
    if (job.packageFile) await rm(path.join(this.deps.exportsDir, job.packageFile), { force: true });
    this.deps.store.exports.markDeleted(id, this.deps.clock.nowMs());
    this.releaseHold(job, by.actor);
    return this.get(id);
  }

  /** Releases the job's hold when it is still active; returns its id, or null. */
  private releaseHold(job: ExportJobRow, actor: string): number | null {
    if (job.holdId === null) return null;
    const hold = this.deps.store.holds.get(job.holdId);
    if (!hold || hold.releasedMs !== null) return null;
    this.deps.holds.release(job.holdId, actor);
    return job.holdId;
  }

  private require(id: number): ExportJobRow {
    const job = this.deps.store.exports.get(id);
    if (!job) throw new NvrError('NOT_FOUND', `export ${id} does not exist`);
    return job;
  }
}

function gone(job: ExportJobRow, deletedMs: number): NvrError {
  const how = job.expiredMs !== null
    ? `expired: it was deleted at ${toIso(deletedMs)}, ${Math.floor((deletedMs - (job.finishedMs ?? deletedMs)) / 86_400_000)} days after it was finished (exports.keepDays)`
    : `was deleted by hand at ${toIso(deletedMs)}`;
  return new NvrError('GONE', `the package of export ${job.id} ${how}; export the range again if it is still needed`);
}

function view(job: ExportJobRow): ExportView {
  const progress = job.state === 'done' ? 1 : job.totalBytes > 0 ? Math.min(0.999, job.doneBytes / job.totalBytes) : 0;
  const downloadUrl = job.state === 'done' && job.deletedMs === null ? `/api/v1/exports/${job.id}/download` : null;
  return { ...job, progress, downloadUrl };
}
