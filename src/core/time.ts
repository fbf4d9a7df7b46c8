/**
 * Time values at the edges. Inside the box every instant is an integer epoch millisecond
 * (UTC). Input accepts ISO-8601 with an explicit offset (or Z) or epoch milliseconds;
 * output is ISO-8601 UTC. Local time (Asia/Ho_Chi_Minh, UTC+7, no DST) is for display only.
 */
import { NvrError } from './errors.js';

/** One day in milliseconds (UTC days: the box has no DST to mind). */
export const dayMs = 86_400_000;

const isoWithOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const epochMs = /^\d{1,15}$/;
/** Anything before 2000 or after 2200 is a typo, not a recording time. */
const minMs = Date.UTC(2000, 0, 1);
const maxMs = Date.UTC(2200, 0, 1);

/** Parse a query/body time value; the error names the field and the value. */
export function parseTimeParam(field: string, raw: unknown): number {
  const value = typeof raw === 'number' ? String(raw) : raw;
  if (typeof value !== 'string' || value.length === 0) {
    throw new NvrError('INVALID_TIME', `${field} is required: ISO-8601 with an offset (2026-11-28T08:00:00+07:00) or epoch milliseconds`);
  }
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  let ms: number;
  if (epochMs.test(value)) ms = Number(value);
  else if (isoWithOffset.test(value)) ms = Date.parse(value);
  else throw new NvrError('INVALID_TIME', `${field}='${shown}' is not a time: use ISO-8601 with an offset (2026-11-28T08:00:00+07:00) or epoch milliseconds`);
  if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
    throw new NvrError('INVALID_TIME', `${field}='${shown}' is outside 2000-01-01..2200-01-01`);
  }
  return Math.floor(ms);
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

const vnOffsetMs = 7 * 3600_000;

/** ISO-8601 in Vietnam time (UTC+07:00), for display and printed records. */
export function toVietnamIso(ms: number): string {
  return new Date(ms + vnOffsetMs).toISOString().replace('Z', '+07:00');
}
