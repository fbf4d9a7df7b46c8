/**
 * The audit trail, for admins: GET /audit?from=&to=&limit= (newest first) and
 * GET /audit/verify (walks the hash chain; says which entry broke it).
 */
import Type from 'typebox';
import { NvrError } from '../../core/errors.js';
import { parseTimeParam, toIso } from '../../core/time.js';
import type { ApiDeps } from '../deps.js';
import { ErrorBody, type ApiApp } from '../schemas.js';
import { AuditEntryBody, auditEntryBody } from '../plugins/views.js';

const AuditQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'default: the beginning' })),
  to: Type.Optional(Type.String({ description: 'default: now' })),
  limit: Type.Optional(Type.String({ description: `1-${1000}, default 100` })),
});

const AuditPage = Type.Object({
  fromMs: Type.Integer(),
  from: Type.String(),
  toMs: Type.Integer(),
  to: Type.String(),
  entries: Type.Array(AuditEntryBody),
  more: Type.Boolean({ description: 'more entries match than limit: narrow the range' }),
});

const ChainBody = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headHash: Type.Union([Type.String(), Type.Null()]),
  problem: Type.Union([
    Type.Object({ id: Type.Integer(), kind: Type.Enum(['edited', 'relinked', 'removed']), message: Type.String() }),
    Type.Null(),
  ]),
});

const maxLimit = 1000;

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 100;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= maxLimit)) {
    throw new NvrError('BAD_REQUEST', `limit='${raw.slice(0, 20)}' is not valid: use a number from 1 to ${maxLimit}`);
  }
  return n;
}

export function registerAuditRoutes(app: ApiApp, deps: ApiDeps): void {
  const config = { access: 'admin' } as const;

  app.get('/api/v1/audit', { config, schema: { querystring: AuditQuery, response: { 200: AuditPage, 400: ErrorBody } } }, (req) => {
    const { from, to, limit } = req.query;
    const fromMs = from === undefined || from === '' ? 0 : parseTimeParam('from', from);
    const toMs = to === undefined || to === '' ? deps.clock.nowMs() + 1 : parseTimeParam('to', to);
    if (fromMs >= toMs) throw new NvrError('INVALID_RANGE', `from (${toIso(fromMs)}) must be before to (${toIso(toMs)})`);
    const page = deps.auditLog.list({ fromMs, toMs, limit: parseLimit(limit) });
    return { fromMs, from: toIso(fromMs), toMs, to: toIso(toMs), entries: page.entries.map(auditEntryBody), more: page.more };
  });

  app.get('/api/v1/audit/verify', { config, schema: { response: { 200: ChainBody } } }, () => deps.auditLog.verify());
}
