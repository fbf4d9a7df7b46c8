/**
 * Stills: the frame at an instant, for one camera (`still.jpg`) or for several at once
 * (`/stills`, JSON with one entry per camera) — the "trace a suspect along the road"
 * workflow. ffmpeg jobs run at most two at a time (the service's limiter); every still
 * served or refused for a real camera is audited before the answer goes out.
 */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { NvrError, isNvrError } from '../../core/errors.js';
import { parseTimeParam, toIso } from '../../core/time.js';
import { stillWidthLimits } from '../../clips/stills.js';
import { requireCamera, shown } from '../camera-view.js';
import type { ApiDeps } from '../deps.js';
import { CameraIdParams, errorResponses, type ApiApp } from '../schemas.js';
import { whoAndWhere } from '../plugins/audit-request.js';
import { failure } from './clips.js';

const StillQuery = Type.Object({
  at: Type.Optional(Type.String()),
  width: Type.Optional(Type.String()),
});

const StillsQuery = Type.Object({
  at: Type.Optional(Type.String()),
  width: Type.Optional(Type.String()),
  cameras: Type.Optional(Type.String()),
});

const StillsBody = Type.Object({
  at: Type.String(),
  atMs: Type.Integer(),
  stills: Type.Array(Type.Object({
    cameraId: Type.String(),
    status: Type.Enum(['ok', 'nothing-recorded', 'error']),
    /** The JPEG itself (thumbnail size unless width says otherwise). */
    dataUrl: Type.Union([Type.String(), Type.Null()]),
    /** Relative URL of the same still at full size. */
    url: Type.String(),
    message: Type.Union([Type.String(), Type.Null()]),
  })),
});

/** Thumbnails in the multi-camera answer unless `width` is given. */
const defaultBatchWidth = 480;
const maxBatchCameras = 32;

export function parseWidth(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= stillWidthLimits.min && value <= stillWidthLimits.max)) {
    throw new NvrError('BAD_REQUEST', `width='${shown(raw)}' must be an integer from ${stillWidthLimits.min} to ${stillWidthLimits.max} (pixels)`);
  }
  return value;
}

function parseCameraList(deps: ApiDeps, raw: string | undefined): string[] {
  const ids = [...new Set((raw ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  if (ids.length === 0) throw new NvrError('BAD_REQUEST', `cameras='${shown(raw ?? '')}' must list camera ids separated by commas, e.g. cameras=gate,road_1`);
  if (ids.length > maxBatchCameras) throw new NvrError('BAD_REQUEST', `cameras lists ${ids.length} cameras; ask for at most ${maxBatchCameras} at a time`);
  return ids.map((id) => requireCamera(deps, id).id);
}

export function registerStillRoutes(app: ApiApp, deps: ApiDeps): void {
  const config = { access: 'investigator' as const };

  /** One still, audited (ok or failed) before the caller sees it. */
  async function auditedStill(req: FastifyRequest, cameraId: string, atMs: number, width: number | undefined, detail: string | null) {
    const base = { ...whoAndWhere(req), action: 'still', cameraId, fromMs: atMs, toMs: atMs };
    try {
      const still = await deps.stills.still(cameraId, atMs, width);
      deps.audit.append({ ...base, result: 'ok', bytes: still.jpeg.length, detail });
      return still;
    } catch (err) {
      if (isNvrError(err) && err.code === 'UNAVAILABLE') throw err;
      deps.audit.append({ ...base, bytes: 0, ...failure(err) });
      throw err;
    }
  }

  app.get('/api/v1/cameras/:id/still.jpg', { config, schema: { params: CameraIdParams, querystring: StillQuery, summary: 'The frame at instant `at` as a JPEG (the first frame at or after it), optionally scaled to `width`' } }, async (req, reply) => {
    const camera = requireCamera(deps, req.params.id);
    const atMs = parseTimeParam('at', req.query.at);
    const width = parseWidth(req.query.width);
    const still = await auditedStill(req, camera.id, atMs, width, null);
    return reply
      .header('content-type', 'image/jpeg')
      .header('content-length', String(still.jpeg.length))
      .header('x-still-segment', still.relPath)
      // Recorded footage does not change: the browser may keep it.
      .header('cache-control', 'private, max-age=3600')
      .send(still.jpeg);
  });

  app.get('/api/v1/stills', { config, schema: { querystring: StillsQuery, summary: 'The frame at `at` for several cameras: one entry each (JPEG data URL, or why there is none)', response: { 200: StillsBody, ...errorResponses } } }, async (req) => {
    const atMs = parseTimeParam('at', req.query.at);
    const width = parseWidth(req.query.width) ?? defaultBatchWidth;
    const ids = parseCameraList(deps, req.query.cameras);
    const stills = await Promise.all(ids.map(async (cameraId) => {
      const url = `cameras/${cameraId}/still.jpg?at=${atMs}`;
      try {
        const still = await auditedStill(req, cameraId, atMs, width, `batch of ${ids.length}`);
        return { cameraId, status: 'ok' as const, dataUrl: `data:image/jpeg;base64,${still.jpeg.toString('base64')}`, url, message: null };
      } catch (err) {
        if (isNvrError(err) && err.code === 'UNAVAILABLE') throw err;
        const nothing = isNvrError(err) && err.code === 'NOTHING_RECORDED';
        return { cameraId, status: nothing ? 'nothing-recorded' as const : 'error' as const, dataUrl: null, url, message: (err as Error).message };
      }
    }));
    return { at: toIso(atMs), atMs, stills };
  });
}
