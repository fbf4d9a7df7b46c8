/**
 * Browser playback over HLS: the playlist of a range and the segment resources it names
 * with relative URIs (`segments/<run>-<seq>/init.mp4`, `.../media.m4s`), so they are
 * fetched with the same cookie or header that fetched the playlist. Media resources
 * answer byte ranges (the playlist's EXT-X-BYTERANGE). Serving a playlist is audited;
 * the segment fetches that follow are not (one entry per 4 s of video would drown the
 * trail), so the playlist entry is the record of who watched what.
 */
import Type from 'typebox';
import { NvrError } from '../../core/errors.js';
import { openRange } from '../../clips/virtual-file.js';
import { requireCamera, shown } from '../camera-view.js';
import type { ApiDeps } from '../deps.js';
import { CameraIdParams, RangeQuery, type ApiApp } from '../schemas.js';
import { whoAndWhere } from '../plugins/audit-request.js';
import { failure, parseFootageRange, sendBytes } from './clips.js';

const SegmentParams = Type.Object({ id: Type.String(), segment: Type.String() });

function parseSegmentRef(raw: string): { runId: number; seq: number } {
  const m = /^(\d{1,15})-(\d{1,9})$/.exec(raw);
  if (!m) throw new NvrError('INVALID_ID', `segment '${shown(raw)}' is not valid: use <run>-<seq> as the playlist names it`);
  return { runId: Number(m[1]), seq: Number(m[2]) };
}

export function registerPlaybackRoutes(app: ApiApp, deps: ApiDeps): void {
  const config = { access: 'investigator' as const };

  app.get('/api/v1/cameras/:id/playlist.m3u8', { config, schema: { params: CameraIdParams, querystring: RangeQuery, summary: 'HLS VOD playlist of a range (hls.js, no transcoding); X-Codec-Playable: false for H.265' } }, async (req, reply) => {
    const camera = requireCamera(deps, req.params.id);
    const { fromMs, toMs } = parseFootageRange(req.query.from, req.query.to);
    const base = { ...whoAndWhere(req), action: 'playback', cameraId: camera.id, fromMs, toMs };
    let playlist;
    try {
      playlist = await deps.playback.playlist(camera.id, fromMs, toMs);
    } catch (err) {
      deps.audit.append({ ...base, bytes: 0, ...failure(err) });
      throw err;
    }
    deps.audit.append({ ...base, result: 'ok', bytes: Buffer.byteLength(playlist.text), detail: `${playlist.entries} entries, ${playlist.discontinuities} discontinuities` });
    return reply
      .header('content-type', 'application/vnd.apple.mpegurl')
      .header('cache-control', 'no-cache')
      .header('x-codec', playlist.codec.codecs)
      .header('x-codec-playable', String(playlist.codec.browserPlayable))
      .send(playlist.text);
  });

  for (const [name, kind, type] of [['init.mp4', 'init', 'video/mp4'], ['media.m4s', 'media', 'video/iso.segment']] as const) {
    app.route({ method: ['GET', 'HEAD'], url: `/api/v1/cameras/:id/segments/:segment/${name}`, config, schema: { params: SegmentParams, summary: `A recorded segment's ${kind} resource, named by playlists` }, handler: async (req, reply) => {
      const camera = requireCamera(deps, req.params.id);
      const { runId, seq } = parseSegmentRef(req.params.segment);
      const resource = await deps.playback.segment(camera.id, runId, seq, kind);
      reply.header('content-type', type).header('cache-control', 'private, max-age=3600');
      sendBytes(req, reply, resource.file.lengthBytes, resource.etag, (s, e) => openRange(resource.file, s, e));
      return reply;
    } });
  }
}
