/**
 * Evidence exports: investigators queue a signed package of cameras × [from, to) for a
 * case, follow its progress, download it (resumable with HTTP Range; the hold on its
 * footage ends with the first complete download), release its hold or delete it (its
 * creator or an admin; refused with 409 while queued or being built). A package deleted or
 * expired (exports.keepDays) answers 410 Gone. Every request is audited, refused ones included.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { toIso } from '../../core/time.js';
import { virtualFile, openRange } from '../../clips/virtual-file.js';
import type { ExportView } from '../../exports/export-service.js';
import type { AuditEntry } from '../access.js';
import type { ApiDeps } from '../deps.js';
import { audited, whoAndWhere } from '../plugins/audit-request.js';
import { IdParams } from '../plugins/views.js';
import { ErrorBody, type ApiApp } from '../schemas.js';
import { onResponseClosed, sendBytes } from './clips.js';
import { parseRowId } from './users.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const TimeValue = Type.Union([Type.String(), Type.Integer()]);

// Fields optional on purpose: a missing one gets the service's message naming it.
const NewExportBody = Type.Object({
  cameras: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
  from: Type.Optional(TimeValue),
  to: Type.Optional(TimeValue),
  caseNumber: Type.Optional(Type.String({ maxLength: 1000 })),
  reason: Type.Optional(Type.String({ maxLength: 10_000 })),
}, { additionalProperties: false });

export const ExportBody = Type.Object({
  id: Type.Integer(),
  state: Type.Enum(['queued', 'running', 'done', 'failed']),
  progress: Type.Number({ description: '0..1 (1 once done)' }),
  downloadUrl: Nullable(Type.String({ description: 'GET it (Range supported) once state is done' })),
  cameras: Type.Array(Type.String()),
  from: Type.String(), to: Type.String(), fromMs: Type.Integer(), toMs: Type.Integer(),
  caseNumber: Type.String(), reason: Type.String(),
  createdBy: Type.String(), created: Type.String(), createdMs: Type.Integer(),
  holdId: Nullable(Type.Integer({ description: 'the evidence hold placed on the range' })),
  attempts: Type.Integer({ description: 'runs started (more than 1 after a restart)' }),
  error: Nullable(Type.String()),
  packageFile: Nullable(Type.String()),
  packageBytes: Nullable(Type.Integer()),
  packageSha256: Nullable(Type.String()),
  manifestSha256: Nullable(Type.String({ description: 'SHA-256 of manifest.json, the bytes the box key signed' })),
  finished: Nullable(Type.String()), finishedMs: Nullable(Type.Integer()),
  downloaded: Nullable(Type.String()), downloadedMs: Nullable(Type.Integer()),
  deleted: Nullable(Type.String()), deletedMs: Nullable(Type.Integer({ description: 'when the package was deleted, by hand or because it expired' })),
  expired: Nullable(Type.String()),
  expiredMs: Nullable(Type.Integer({ description: 'set (= deletedMs) when the package was deleted for age (exports.keepDays)' })),
});

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const deleteErrors = { ...errors, 403: ErrorBody, 410: ErrorBody };
const isoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));

function exportBody(e: ExportView) {
  return {
    id: e.id, state: e.state, progress: e.progress, downloadUrl: e.downloadUrl, cameras: [...e.cameraIds],
    from: toIso(e.fromMs), to: toIso(e.toMs), fromMs: e.fromMs, toMs: e.toMs, caseNumber: e.caseNumber, reason: e.reason,
    createdBy: e.createdBy, created: toIso(e.createdMs), createdMs: e.createdMs, holdId: e.holdId, attempts: e.attempts, error: e.error,
    packageFile: e.packageFile, packageBytes: e.packageBytes, packageSha256: e.packageSha256, manifestSha256: e.manifestSha256,
    finished: isoOrNull(e.finishedMs), finishedMs: e.finishedMs, downloaded: isoOrNull(e.downloadedMs), downloadedMs: e.downloadedMs,
    deleted: isoOrNull(e.deletedMs), deletedMs: e.deletedMs, expired: isoOrNull(e.expiredMs), expiredMs: e.expiredMs,
  };
}

function describe(body: { cameras?: string[]; from?: unknown; to?: unknown; caseNumber?: string }): string {
  const cams = (body.cameras ?? []).slice(0, 10).join(',').slice(0, 200);
  return `case '${String(body.caseNumber ?? '').slice(0, 100)}' cameras [${cams}] ${String(body.from ?? '?').slice(0, 40)}..${String(body.to ?? '?').slice(0, 40)}`;
}

export function registerExportRoutes(app: ApiApp, exportsSvc: NonNullable<ApiDeps['exports']>, audit: ApiDeps['audit']): void {
  const config = { access: 'investigator' } as const;
  const actor = (req: { principal: { name: string } | null }) => req.principal?.name ?? 'anonymous';

  app.post('/api/v1/exports', { config, bodyLimit: 32 * 1024, schema: { body: NewExportBody, response: { 202: ExportBody, ...errors } } }, async (req, reply) => {
    const job = await audited(audit, req, 'export.create', describe(req.body), () => exportsSvc.create(req.body, { actor: actor(req), address: req.ip }));
    return reply.status(202).send(exportBody(job));
  });

  app.get('/api/v1/exports', { config, schema: { response: { 200: Type.Object({ exports: Type.Array(ExportBody) }), ...errors } } }, () => ({
    exports: exportsSvc.list().map(exportBody),
  }));

  app.get('/api/v1/exports/:id', { config, schema: { params: IdParams, response: { 200: ExportBody, ...errors } } }, (req) =>
    exportBody(exportsSvc.get(parseRowId(req.params.id, 'export'))),
  );

  app.post('/api/v1/exports/:id/release', { config, schema: { params: IdParams, response: { 200: ExportBody, ...errors } } }, async (req) => {
    const id = parseRowId(req.params.id, 'export');
    return exportBody(await audited(audit, req, 'export.release', `export ${id}: hold released`, () => exportsSvc.release(id, actor(req))));
  });

  // Investigators reach the handler; the service lets through only the creator or an admin.
  app.delete('/api/v1/exports/:id', { config, schema: { params: IdParams, response: { 200: ExportBody, ...deleteErrors } } }, async (req) => {
    const id = parseRowId(req.params.id, 'export');
    const by = { actor: actor(req), isAdmin: req.principal?.role === 'admin' };
    return exportBody(await audited(audit, req, 'export.delete', `export ${id}: package deleted, hold released`, () => exportsSvc.remove(id, by)));
  });

  // GET and HEAD together: fastify's automatic HEAD would answer Content-Length 0.
  app.route({ method: ['GET', 'HEAD'], url: '/api/v1/exports/:id/download', config, schema: { params: IdParams }, handler: (req, reply) => sendPackage(req, reply, req.params.id, exportsSvc, audit) });
}

/** The package with HTTP Range; the first response that delivers the last byte ends the hold. */
async function sendPackage(req: FastifyRequest, reply: FastifyReply, rawId: string, exportsSvc: NonNullable<ApiDeps['exports']>, audit: ApiDeps['audit']) {
  const id = parseRowId(rawId, 'export');
  let pkg;
  try {
    pkg = exportsSvc.download(id);
  } catch (err) {
    audit.append({ ...whoAndWhere(req), action: 'export.download', result: 'failed', detail: `export ${id}: ${(err as Error).message}`.slice(0, 500) });
    throw err;
  }
  reply.header('content-type', 'application/x-tar').header('content-disposition', `attachment; filename="${pkg.fileName}"`);
  const file = virtualFile([{ kind: 'file', absPath: pkg.absPath, start: 0, end: pkg.lengthBytes, patches: [] }]);
  const rs = sendBytes(req, reply, pkg.lengthBytes, pkg.etag, (s, e) => openRange(file, s, e));
  if (!rs) return reply;
  const range = reply.getHeader('content-range');
  const reachesEnd = typeof range !== 'string' || range.endsWith(`-${pkg.lengthBytes - 1}/${pkg.lengthBytes}`);
  onResponseClosed(reply, rs, (bytes, complete) => {
    let released: number | null = null;
    try {
      if (complete && reachesEnd) released = exportsSvc.downloaded(id, req.principal?.name ?? 'anonymous').holdReleased;
    } catch (err) {
      req.log.error({ exportId: id, err: (err as Error).message }, 'export hold not released after download');
    }
    const entry: AuditEntry = {
      ...whoAndWhere(req), action: 'export.download', result: complete ? 'ok' : 'failed', bytes,
      detail: `export ${id}, ${pkg.fileName}${typeof range === 'string' ? `, ${range}` : ''}${complete ? '' : ', cut off by the client'}${released === null ? '' : `; hold ${released} released`}`,
    };
    try { audit.append(entry); } catch (err) { req.log.error({ err: (err as Error).message, entry }, 'audit append failed'); }
  });
  return reply;
}
