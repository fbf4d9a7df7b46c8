/**
 * The audit trail behind the api's AuditPort: every append is one synchronous prepared
 * INSERT (tens of microseconds; see bench/audit-append.ts), so auditing a clip costs it
 * nothing measurable. Fields are cleaned first: credentials redacted, control characters
 * replaced (the trail is printed on terminals), lengths capped.
 *
 * A failed write throws UNAVAILABLE: footage must not leave the box unrecorded.
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';
import type { AuditRepo, AuditRow } from '../store/audit-repo.js';
import { verifyChain } from './verify-chain.js';
import type { AuditEntry, AuditPage, AuditQuery, AuditReader, AuditRecord, ChainReport } from './types.js';

export interface AuditTrailDeps {
  readonly repo: AuditRepo;
  readonly clock: Clock;
  readonly log: Logger;
}

const results = new Set(['ok', 'denied', 'failed', 'error']);

function clean(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const text = redactText(String(value)).replace(/[\u0000-\u001f\u007f]/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const int = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null;

function record(row: AuditRow): AuditRecord {
  const { servedBytes, prevHash: _prev, ...rest } = row;
  return { ...rest, bytes: servedBytes };
}

export class AuditTrail implements AuditReader {
  constructor(private readonly deps: AuditTrailDeps) {}

  append(entry: AuditEntry): void {
    const fields = {
      atMs: this.deps.clock.nowMs(),
      actor: clean(entry.actor, 128) || 'anonymous',
      address: clean(entry.address, 64) || 'unknown',
      action: clean(entry.action, 64) || 'unknown',
      result: results.has(entry.result) ? entry.result : 'error',
      cameraId: clean(entry.cameraId, 64),
      fromMs: int(entry.fromMs),
      toMs: int(entry.toMs),
      servedBytes: int(entry.bytes),
      detail: clean(entry.detail, 1000),
    };
    try {
      this.deps.repo.append(fields);
    } catch (err) {
      this.deps.log.error({ err: { message: redactText(err instanceof Error ? err.message : String(err)) }, action: fields.action }, 'audit trail write failed');
      throw new NvrError('UNAVAILABLE', `the audit trail cannot be written, so '${fields.action}' is refused: check the data disk`);
    }
  }

  list(query: AuditQuery): AuditPage {
    const rows = this.deps.repo.range(query.fromMs, query.toMs, query.limit + 1);
    return { entries: rows.slice(0, query.limit).map(record), more: rows.length > query.limit };
  }

  verify(): ChainReport {
    const highest = this.deps.repo.highestIssuedId();
    return verifyChain(this.deps.repo.iterate(), highest);
  }
}
