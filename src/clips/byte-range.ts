/**
 * HTTP byte ranges (RFC 9110 14) over a body of known length, so a download over a flaky
 * LAN resumes where it stopped. One range per request: a multi-range request is answered
 * with the whole body, which the RFC allows. `If-Range` with a different validator means
 * the body changed since the first part was fetched: send it whole.
 */

export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly endExclusive: number }
  | { readonly kind: 'unsatisfiable' };

export function decideRange(
  rangeHeader: string | undefined,
  ifRange: string | undefined,
  etag: string | null,
  lengthBytes: number,
): RangeDecision {
  if (rangeHeader === undefined || etag === null) return { kind: 'full' };
  // If-Range with a date, or a weak/other tag: we only have strong tags, so no match.
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(rangeHeader);
  if (!m) return { kind: 'full' }; // unknown unit, several ranges or bad syntax: ignore
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || lengthBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, lengthBytes - suffix), endExclusive: lengthBytes };
  }
  const start = Number(first);
  if (start >= lengthBytes) return { kind: 'unsatisfiable' };
  const end = last === '' ? lengthBytes - 1 : Number(last);
  if (end < start) return { kind: 'full' }; // invalid range-spec: ignore the header
  return { kind: 'partial', start, endExclusive: Math.min(end, lengthBytes - 1) + 1 };
}
