/**
 * "What is recorded for this camera in [from, to)": continuous runs and the gaps between
 * them, each with epoch ms and ISO-8601 UTC. The api reads recordings only through the
 * `recordings` port (clips module), never the store.
 */
import { NvrError } from '../../core/errors.js';
import { dayMs, parseTimeParam, toIso } from '../../core/time.js';
import type { ApiDeps, TimeSpan } from '../deps.js';
import { requireCamera } from '../camera-view.js';
import { CameraIdParams, CoverageBody, RangeQuery, errorResponses, type ApiApp } from '../schemas.js';

/** One month of minute segments is ~45k rows: the most one answer should carry. */
export const maxRangeMs = 31 * dayMs;

const span = (s: TimeSpan) => ({ from: toIso(s.fromMs), to: toIso(s.toMs), fromMs: s.fromMs, toMs: s.toMs });

export function parseRange(rawFrom: unknown, rawTo: unknown): TimeSpan {
  const fromMs = parseTimeParam('from', rawFrom);
  const toMs = parseTimeParam('to', rawTo);
  if (fromMs >= toMs) {
    throw new NvrError('INVALID_RANGE', `from (${toIso(fromMs)}) must be before to (${toIso(toMs)})`);
  }
  if (toMs - fromMs > maxRangeMs) {
    const days = ((toMs - fromMs) / dayMs).toFixed(1);
    throw new NvrError('RANGE_TOO_LONG', `from (${toIso(fromMs)}) to (${toIso(toMs)}) spans ${days} days; ask for at most 31 days at a time`);
  }
  return { fromMs, toMs };
}

export function registerRecordingRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get(
    '/api/v1/cameras/:id/recordings',
    { schema: { params: CameraIdParams, querystring: RangeQuery, response: { 200: CoverageBody, ...errorResponses } } },
    (req) => {
      const camera = requireCamera(deps, req.params.id);
      const range = parseRange(req.query.from, req.query.to);
      const coverage = deps.recordings.coverage(camera.id, range.fromMs, range.toMs);
      return {
        cameraId: camera.id,
        ...span(range),
        runs: coverage.runs.map(span),
        gaps: coverage.gaps.map((g) => ({ ...span(g), reason: g.reason })),
      };
    },
  );
}
