/**
 * The audit trail's vocabulary: what callers append (AuditEntry, the api's AuditPort
 * takes it) and what admins read back (AuditRecord, ChainReport).
 */
import type { AuditRow } from '../store/audit-repo.js';

/** One line of the audit trail (hash-chained by the audit module). */
export interface AuditEntry {
  /** Principal name, or the user name tried for a failed login, or 'anonymous'. */
  actor: string;
  /** Remote address of the request. */
  address: string;
  /** e.g. 'clip', 'still', 'playback', 'export', 'login', 'hold.create', 'settings.change'. */
  action: string;
  result: 'ok' | 'denied' | 'failed' | 'error';
  cameraId?: string | null;
  fromMs?: number | null;
  toMs?: number | null;
  /** Bytes served to the client. */
  bytes?: number | null;
  detail?: string | null;
}

/** A stored entry, as GET /api/v1/audit shows it (`bytes` is the served_bytes column). */
export type AuditRecord = Omit<AuditRow, 'servedBytes' | 'prevHash'> & { readonly bytes: number | null };

export interface AuditQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: AuditRecord[];
  /** More entries match than `limit`: narrow the range to see them. */
  readonly more: boolean;
}

export interface ChainBreak {
  /** The entry where the chain stops holding (for a removed entry: the first missing id). */
  readonly id: number;
  readonly kind: 'edited' | 'relinked' | 'removed';
  readonly message: string;
}

export interface ChainReport {
  readonly ok: boolean;
  /** Entries checked (up to the break). */
  readonly entries: number;
  /** Hash of the last good entry: a value to write down and compare later. */
  readonly headHash: string | null;
  readonly problem: ChainBreak | null;
}

/** Reading and checking the trail (admins; GET /api/v1/audit). */
export interface AuditReader {
  list(query: AuditQuery): AuditPage;
  verify(): ChainReport;
}
