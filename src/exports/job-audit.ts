/**
 * The export runner's own audit entries (actor 'system': no request behind them): a job
 * done or failed, a package expired. One line names the job, who asked and for which case,
 * so the trail reads on its own. An audit write that fails is logged, never thrown: the
 * work it records has already happened.
 */
import type { AuditEntry } from '../audit/types.js';
import type { Logger } from '../core/logger.js';
import type { ExportJobRow } from '../store/exports-repo.js';

export interface JobAuditDeps {
  readonly audit: { append(entry: AuditEntry): void };
  readonly log: Logger;
}

export function auditJob(deps: JobAuditDeps, job: ExportJobRow, action: string, result: AuditEntry['result'], detail: string): void {
  try {
    deps.audit.append({
      actor: 'system', address: 'local', action, result, fromMs: job.fromMs, toMs: job.toMs,
      detail: `export ${job.id} for ${job.createdBy}, case '${job.caseNumber}', cameras [${job.cameraIds.join(',')}]: ${detail}`.slice(0, 1000),
    });
  } catch (err) {
    deps.log.error({ exportId: job.id, action, err: (err as Error).message }, 'audit append failed');
  }
}
