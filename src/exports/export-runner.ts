/**
 * Runs export jobs one at a time, oldest first, in the background. Jobs live in the index,
 * so a job the daemon was building when it died is found 'running' at the next start and
 * rebuilt from scratch (the half-built staging files are deleted first). Shutdown aborts
 * the current build between two chunks and leaves the job to the next start.
 *
 * Housekeeping (expired packages, exports.keepDays) runs once at start and then every
 * `housekeepingEveryMs` (an hour), waiting through the sleep port like everything else.
 */
import type { AuditEntry } from '../audit/types.js';
import type { Logger } from '../core/logger.js';
import { isNvrError } from '../core/errors.js';
import { abortableSleep } from '../core/sleep.js';
import type { ExportJobRow } from '../store/exports-repo.js';
import type { PackageHousekeeping } from './housekeeping.js';
import { auditJob } from './job-audit.js';
import { buildPackage, discardPartial, type PackageDeps } from './package-builder.js';
import { ExportAborted, Work, type Sleep } from './progress.js';

export interface RunnerDeps extends PackageDeps {
  readonly audit: { append(entry: AuditEntry): void };
  readonly log: Logger;
  /** Bound on the job's reads and writes; 0 = unlimited. */
  readonly bytesPerSecond: number;
  readonly sleep?: Sleep;
  readonly housekeeping: Pick<PackageHousekeeping, 'pass'>;
  /** Time between two housekeeping passes; an hour unless a test says otherwise. */
  readonly housekeepingEveryMs?: number;
}

/** A job that brought the daemon down this many times is given up (it would loop forever). */
const maxAttempts = 5;

export class ExportRunner {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private tidyLoop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private current: number | null = null;

  constructor(private readonly deps: RunnerDeps) {}

  start(): void {
    this.loop ??= this.run();
    this.tidyLoop ??= this.tidy();
  }

  /** A job was queued: run it soon. */
  kick(): void {
    this.wake?.();
  }

  /** The job being built now, if any. */
  get running(): number | null {
    return this.current;
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.kick();
    await Promise.all([this.loop, this.tidyLoop]);
  }

  /** Expire old packages now, then every housekeepingEveryMs until close. */
  private async tidy(): Promise<void> {
    const sleep = this.deps.sleep ?? abortableSleep;
    while (!this.abort.signal.aborted) {
      try {
        await this.deps.housekeeping.pass();
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, 'export housekeeping pass failed; next pass as scheduled');
      }
      await sleep(this.deps.housekeepingEveryMs ?? 3_600_000, this.abort.signal);
    }
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const job = this.deps.store.exports.pending()[0];
      if (!job) {
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
        continue;
      }
      try {
        await this.runJob(job);
      } catch (err) {
        // The job's own failure is recorded by runJob; this is the index failing (a full
        // disk): wait, then try again rather than spin or die.
        this.deps.log.error({ exportId: job.id, err: (err as Error).message }, 'export runner could not record a job; retrying in 30 s');
        await (this.deps.sleep ?? abortableSleep)(30_000, this.abort.signal);
      }
    }
  }

  /** Build one job's package; every outcome is recorded on the job and in the audit trail. */
  async runJob(job: ExportJobRow): Promise<void> {
    const { store, clock, log } = this.deps;
    if (job.attempts >= maxAttempts) {
      this.finish(job, 'failed', `gave up after ${job.attempts} interrupted attempts`);
      return;
    }
    if (!store.exports.start(job.id, clock.nowMs())) return;
    this.current = job.id;
    log.info({ exportId: job.id, attempt: job.attempts + 1, cameras: job.cameraIds }, 'export started');
    const work = new Work({
      clock, sleep: this.deps.sleep ?? abortableSleep, signal: this.abort.signal, bytesPerSecond: this.deps.bytesPerSecond,
      report: (done, total) => store.exports.progress(job.id, done, total),
    });
    try {
      const pkg = await buildPackage(this.deps, { ...job, attempts: job.attempts + 1 }, work);
      store.exports.done(job.id, pkg, clock.nowMs());
      log.info({ exportId: job.id, packageBytes: pkg.packageBytes, sha256: pkg.packageSha256 }, 'export done');
      this.finish(job, 'done', `package ${pkg.packageFile}, ${pkg.packageBytes} bytes, sha256 ${pkg.packageSha256}`);
    } catch (err) {
      if (err instanceof ExportAborted || this.abort.signal.aborted) {
        log.warn({ exportId: job.id }, 'export interrupted by shutdown: it resumes at the next start');
        return;
      }
      const message = `${isNvrError(err) ? err.code : 'INTERNAL'}: ${(err as Error).message}`;
      log.error({ exportId: job.id, err: message }, 'export failed');
      await discardPartial(this.deps, job.id).catch(() => undefined);
      this.finish(job, 'failed', message);
    } finally {
      this.current = null;
    }
  }

  private finish(job: ExportJobRow, outcome: 'done' | 'failed', detail: string): void {
    if (outcome === 'failed') this.deps.store.exports.fail(job.id, detail, this.deps.clock.nowMs());
    auditJob(this.deps, job, outcome === 'done' ? 'export.done' : 'export.failed', outcome === 'done' ? 'ok' : 'error', detail);
  }
}
