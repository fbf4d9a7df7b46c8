/**
 * Clips: `clip.mp4` streams a fragmented MP4 of [from, to) built from the recorded
 * fragments (stream copy), `clip.json` describes the same clip without sending it.
 * A clip starts at the keyframe at or before `from` and ends with the fragment covering
 * `to` (up to one GOP more at each end); gaps inside the range are left out of the
 * timeline and stated in X-Clip-Gaps and clip.json. Joined clips have a known length, a
 * strong ETag and HTTP ranges, so an interrupted download resumes byte-exactly.
 *
 * Also home of the byte-serving and range helpers shared by stills and playback.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { NvrError, isNvrError } from '../../core/errors.js';
import { parseTimeParam, toIso } from '../../core/time.js';
import { decideRange } from '../../clips/byte-range.js';
import type { ClipPlan } from '../../clips/clip-service.js';
import type { RangeStream } from '../../clips/virtual-file.js';
import type { AuditEntry } from '../access.js';
import { whoAndWhere } from '../plugins/audit-request.js';
import { requireCamera } from '../camera-view.js';
import type { ApiDeps, TimeSpan } from '../deps.js';
import { CameraIdParams, RangeQuery, errorResponses, type ApiApp } from '../schemas.js';

/** 'failed' when the caller asked for something wrong or absent (4xx), 'error' when the box failed. */
export function failure(err: unknown): Pick<AuditEntry, 'result' | 'detail'> {
  const code = isNvrError(err) ? err.code : 'INTERNAL';
  return { result: isNvrError(err) && err.httpStatus < 500 ? 'failed' : 'error', detail: `${code}: ${(err as Error).message}` };
}

/** from/to of a footage request; the size limit is the service's (it knows the config). */
export function parseFootageRange(rawFrom: unknown, rawTo: unknown): TimeSpan {
  const fromMs = parseTimeParam('from', rawFrom);
  const toMs = parseTimeParam('to', rawTo);
  if (fromMs >= toMs) throw new NvrError('INVALID_RANGE', `from (${toIso(fromMs)}) must be before to (${toIso(toMs)})`);
  return { fromMs, toMs };
}

/**
 * Answer GET/HEAD for a body of known length: 200 whole, 206 one range, 416 a range past
 * the end. Returns the stream being sent (null for HEAD and 416) so callers can count bytes.
 */
export function sendBytes(req: FastifyRequest, reply: FastifyReply, length: number, etag: string, open: (start: number, end: number) => RangeStream): RangeStream | null {
  reply.header('accept-ranges', 'bytes').header('etag', etag);
  const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
  if (req.method === 'GET' && header('if-none-match') === etag) {
    reply.status(304).send();
    return null;
  }
  const range = decideRange(header('range'), header('if-range'), etag, length);
  if (range.kind === 'unsatisfiable') {
    reply.status(416).header('content-range', `bytes */${length}`).header('content-type', 'application/json; charset=utf-8')
      .send({ code: 'RANGE_NOT_SATISFIABLE', message: `range '${header('range') ?? ''}' is outside the ${length} bytes of this file` });
    return null;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.endExclusive] : [0, length];
  if (range.kind === 'partial') reply.status(206).header('content-range', `bytes ${start}-${end - 1}/${length}`);
  reply.header('content-length', String(end - start));
  if (req.method === 'HEAD') {
    reply.send();
    return null;
  }
  const rs = open(start, end);
  reply.send(rs.stream);
  return rs;
}

/** Calls `done(bytes, complete)` once the response is over (finished or cut off). */
export function onResponseClosed(reply: FastifyReply, rs: RangeStream, done: (bytes: number, complete: boolean) => void): void {
  reply.raw.once('close', () => {
    const complete = reply.raw.writableFinished;
    // What was produced minus what never left the stream's own buffer.
    done(Math.max(0, rs.producedBytes() - rs.stream.readableLength), complete);
  });
}

const gapHeaderMax = 64;

function clipHeaders(reply: FastifyReply, plan: ClipPlan): void {
  const gaps = plan.gaps.slice(0, gapHeaderMax).map((g) => `${toIso(g.fromMs)}/${toIso(g.toMs)}`);
  reply
    .header('x-clip-from', toIso(plan.fromMs))
    .header('x-clip-to', toIso(plan.toMs))
    .header('x-clip-gaps', gaps.join(';'))
    .header('x-clip-method', plan.method)
    .header('x-codec-playable', String(plan.codec.browserPlayable))
    .header('content-type', 'video/mp4')
    .header('content-disposition', `inline; filename="${plan.cameraId}-${toIso(plan.fromMs).replace(/[-:]/g, '').replace('.000', '')}.mp4"`);
  if (plan.gaps.length > gapHeaderMax) reply.header('x-clip-gaps-truncated', String(plan.gaps.length - gapHeaderMax));
}

const ClipSpan = { from: Type.String(), to: Type.String(), fromMs: Type.Integer(), toMs: Type.Integer() };

const ClipJsonBody = Type.Object({
  cameraId: Type.String(),
  requested: Type.Object(ClipSpan),
  ...ClipSpan,
  durationMs: Type.Integer({ description: 'Playing time: recorded footage only, gaps left out' }),
  startsAt: Type.String({ description: 'Where the clip starts relative to from' }),
  method: Type.Enum(['join', 'ffmpeg']),
  fallbackReason: Type.Union([Type.String(), Type.Null()]),
  lengthBytes: Type.Union([Type.Integer(), Type.Null()]),
  etag: Type.Union([Type.String(), Type.Null()]),
  segments: Type.Array(Type.Object({ relPath: Type.String(), runId: Type.Integer(), ...ClipSpan, sizeBytes: Type.Integer() })),
  gaps: Type.Array(Type.Object({ ...ClipSpan, reason: Type.String() })),
  codec: Type.Object({
    video: Type.Union([Type.String(), Type.Null()]),
    codecs: Type.String(),
    width: Type.Union([Type.Integer(), Type.Null()]),
    height: Type.Union([Type.Integer(), Type.Null()]),
    audio: Type.Union([Type.String(), Type.Null()]),
    browserPlayable: Type.Boolean(),
  }),
});

const span = (fromMs: number, toMs: number) => ({ from: toIso(fromMs), to: toIso(toMs), fromMs, toMs });

function clipJson(plan: ClipPlan) {
  return {
    cameraId: plan.cameraId,
    requested: span(plan.requestedFromMs, plan.requestedToMs),
    ...span(plan.fromMs, plan.toMs),
    durationMs: plan.durationMs,
    startsAt: 'the keyframe at or before from (stream copy, no re-encoding)',
    method: plan.method,
    fallbackReason: plan.fallbackReason,
    lengthBytes: plan.lengthBytes,
    etag: plan.etag,
    segments: plan.segments.map((s) => ({ relPath: s.relPath, runId: s.runId, ...span(s.startMs, s.endMs), sizeBytes: s.sizeBytes })),
    gaps: plan.gaps.map((g) => ({ ...span(g.fromMs, g.toMs), reason: g.reason })),
    codec: { ...plan.codec },
  };
}

export function registerClipRoutes(app: ApiApp, deps: ApiDeps): void {
  const schema = { params: CameraIdParams, querystring: RangeQuery };
  const startsAt = 'The clip starts at the keyframe at or before `from` and ends with the fragment covering `to` '
    + '(stream copy: up to one GOP more at each end); gaps are left out of its timeline and listed.';
  const config = { access: 'investigator' as const };

  /** Plan a clip; a failure for a real camera is audited before it is answered. */
  async function planFor(req: FastifyRequest, id: string, query: { from?: string; to?: string }, audited: boolean) {
    const camera = requireCamera(deps, id);
    const { fromMs, toMs } = parseFootageRange(query.from, query.to);
    try {
      return await deps.clips.plan(camera.id, fromMs, toMs);
    } catch (err) {
      if (audited) deps.audit.append({ ...whoAndWhere(req), action: 'clip', cameraId: camera.id, fromMs, toMs, bytes: 0, ...failure(err) });
      throw err;
    }
  }

  app.get('/api/v1/cameras/:id/clip.json', { config, schema: { ...schema, summary: 'Describe the clip of a range (segments, gaps, length, codecs) without sending it', description: startsAt, response: { 200: ClipJsonBody, ...errorResponses } } }, async (req) => clipJson(await planFor(req, req.params.id, req.query, false)));

  // No response schema: the body is MP4 bytes (errors are the usual {code, message}).
  // GET and HEAD declared together: fastify's automatic HEAD would answer Content-Length 0.
  app.route({ method: ['GET', 'HEAD'], url: '/api/v1/cameras/:id/clip.mp4', config, schema: {
    ...schema, summary: 'Download a fragmented MP4 of a range (HTTP Range and If-Range resume a download)',
    description: `${startsAt} Headers: X-Clip-From, X-Clip-To (actual range), X-Clip-Gaps (from/to;...), X-Clip-Method (join or ffmpeg).`,
  }, handler: async (req, reply) => {
    const plan = await planFor(req, req.params.id, req.query, req.method === 'GET');
    clipHeaders(reply, plan);
    const rs = plan.etag !== null && plan.lengthBytes !== null
      ? sendBytes(req, reply, plan.lengthBytes, plan.etag, (s, e) => deps.clips.open(plan, s, e))
      : sendFallback(req, reply, () => deps.clips.open(plan));
    if (rs) {
      const range = reply.getHeader('content-range');
      onResponseClosed(reply, rs, (bytes, complete) => {
        const entry: AuditEntry = {
          ...whoAndWhere(req), action: 'clip', result: complete ? 'ok' : 'failed', cameraId: plan.cameraId,
          fromMs: plan.fromMs, toMs: plan.toMs, bytes,
          detail: `${plan.method}, asked ${toIso(plan.requestedFromMs)}..${toIso(plan.requestedToMs)}${typeof range === 'string' ? `, ${range}` : ''}${complete ? '' : ', cut off by the client'}`,
        };
        try { deps.audit.append(entry); } catch (err) { req.log.error({ err: (err as Error).message, entry }, 'audit append failed'); }
      });
    }
    return reply;
  } });
}

/** The ffmpeg fallback: length unknown, so no ranges; the whole clip every time. */
function sendFallback(req: FastifyRequest, reply: FastifyReply, open: () => RangeStream): RangeStream | null {
  reply.header('accept-ranges', 'none');
  if (req.method === 'HEAD') {
    reply.send();
    return null;
  }
  const rs = open();
  reply.send(rs.stream);
  return rs;
}
