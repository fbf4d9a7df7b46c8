/**
 * Evidence holds: footage of the listed cameras overlapping [from, to) is never deleted
 * by retention while the hold is active. Investigators and admins create, list, extend and
 * release them; every change is audited (including refused ones). Validation of values
 * is the holds service's, so each refusal names the field and the value.
 */
import Type from 'typebox';
import { toIso } from '../../core/time.js';
import type { HoldView } from '../../holds/holds-service.js';
import type { ApiDeps } from '../deps.js';
import { audited } from '../plugins/audit-request.js';
import { IdParams } from '../plugins/views.js';
import { ErrorBody, Nullable, type ApiApp } from '../schemas.js';
import { parseRowId } from './users.js';

const TimeValue = Type.Union([Type.String(), Type.Integer()]);

// Fields optional here on purpose: a missing one gets the service's message naming it.
const NewHoldBody = Type.Object({
  cameras: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
  from: Type.Optional(TimeValue),
  to: Type.Optional(TimeValue),
  caseNumber: Type.Optional(Type.String({ maxLength: 1000 })),
  reason: Type.Optional(Type.String({ maxLength: 10_000 })),
  until: Type.Optional(Nullable(TimeValue)),
}, { additionalProperties: false });

const ExtendBody = Type.Object({ until: Type.Optional(Nullable(TimeValue)) }, { additionalProperties: false });
const ListQuery = Type.Object({ active: Type.Optional(Type.Enum(['true', 'false'])) }, { additionalProperties: false });

export const HoldBody = Type.Object({
  id: Type.Integer(),
  cameras: Type.Array(Type.String()),
  caseNumber: Type.String(),
  reason: Type.String(),
  from: Type.String(),
  to: Type.String(),
  fromMs: Type.Integer(),
  toMs: Type.Integer(),
  until: Nullable(Type.String()),
  untilMs: Nullable(Type.Integer()),
  created: Type.String(),
  createdMs: Type.Integer(),
  createdBy: Type.String(),
  released: Nullable(Type.String()),
  releasedMs: Nullable(Type.Integer()),
  releasedBy: Nullable(Type.String()),
  active: Type.Boolean({ description: 'not released and not past until' }),
  segments: Type.Integer({ description: 'segments the hold covers now' }),
  bytes: Type.Integer({ description: 'bytes of footage the hold covers now' }),
});

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const isoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));

function holdBody(h: HoldView) {
  return {
    id: h.id, cameras: h.cameraIds, caseNumber: h.caseNumber, reason: h.reason,
    from: toIso(h.fromMs), to: toIso(h.toMs), fromMs: h.fromMs, toMs: h.toMs,
    until: isoOrNull(h.untilMs), untilMs: h.untilMs, created: toIso(h.createdMs), createdMs: h.createdMs, createdBy: h.createdBy,
    released: isoOrNull(h.releasedMs), releasedMs: h.releasedMs, releasedBy: h.releasedBy,
    active: h.active, segments: h.segments, bytes: h.bytes,
  };
}

/** What the audit line says of a request, from what the client sent (shortened). */
function describeRequest(body: { cameras?: string[]; from?: unknown; to?: unknown; caseNumber?: string }): string {
  const cams = (body.cameras ?? []).slice(0, 10).join(',').slice(0, 200);
  return `case '${String(body.caseNumber ?? '').slice(0, 100)}' cameras [${cams}] ${String(body.from ?? '?').slice(0, 40)}..${String(body.to ?? '?').slice(0, 40)}`;
}

export function registerHoldRoutes(app: ApiApp, holds: NonNullable<ApiDeps['holds']>, audit: ApiDeps['audit']): void {
  const config = { access: 'investigator' } as const;
  const actor = (req: { principal: { name: string } | null }) => req.principal?.name ?? 'anonymous';

  app.post(
    '/api/v1/holds',
    { config, bodyLimit: 32 * 1024, schema: { body: NewHoldBody, response: { 201: HoldBody, ...errors } } },
    async (req, reply) => {
      const hold = await audited(audit, req, 'hold.create', describeRequest(req.body), () => holds.create(req.body, actor(req)));
      return reply.status(201).send(holdBody(hold));
    },
  );

  app.get(
    '/api/v1/holds',
    { config, schema: { querystring: ListQuery, response: { 200: Type.Object({ holds: Type.Array(HoldBody) }), ...errors } } },
    (req) => ({ holds: holds.list(req.query.active === 'true').map(holdBody) }),
  );

  app.get('/api/v1/holds/:id', { config, schema: { params: IdParams, response: { 200: HoldBody, ...errors } } }, (req) =>
    holdBody(holds.get(parseRowId(req.params.id, 'hold'))),
  );

  app.patch(
    '/api/v1/holds/:id',
    { config, bodyLimit: 4 * 1024, schema: { params: IdParams, body: ExtendBody, response: { 200: HoldBody, ...errors } } },
    async (req) => {
      const id = parseRowId(req.params.id, 'hold');
      const detail = `hold ${id} until ${String(req.body.until ?? 'released').slice(0, 40)}`;
      return holdBody(await audited(audit, req, 'hold.extend', detail, () => holds.extend(id, req.body.until)));
    },
  );

  app.post('/api/v1/holds/:id/release', { config, schema: { params: IdParams, response: { 200: HoldBody, ...errors } } }, async (req) => {
    const id = parseRowId(req.params.id, 'hold');
    return holdBody(await audited(audit, req, 'hold.release', `hold ${id}`, () => holds.release(id, actor(req))));
  });
}
