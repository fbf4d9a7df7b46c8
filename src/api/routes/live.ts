/**
 * Live view: GET /api/v1/cameras/{id}/live?quality=sub|main upgraded to a WebSocket that
 * carries the camera's stream as fragmented MP4 (stream copy) for the browser's
 * MediaSource. Access ('viewer') and the camera are checked on the upgrade request, so a
 * refusal is a plain HTTP {code, message}; after the upgrade the server sends one text
 * message describing the stream, then binary messages: the init segment, then fragments.
 * When the stream ends, a text message `{type:'end', reason, message}` precedes the close.
 *
 * Live viewing is not audited: the grid opens one socket per camera and reconnects
 * after every camera hiccup, which would drown the trail; footage taken out (clips,
 * stills, playback, exports) is.
 */
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import Type from 'typebox';
import { NvrError } from '../../core/errors.js';
import type { LiveQuality, LiveSource } from '../../live/live-hub.js';
import type { LiveEnd, LiveViewer } from '../../live/live-stream.js';
import { requireCamera } from '../camera-view.js';
import type { ApiDeps } from '../deps.js';
import { CameraIdParams, type ApiApp } from '../schemas.js';

const LiveQuery = Type.Object({ quality: Type.Optional(Type.String()) });

/** What the first text message says. */
export interface LiveHello {
  type: 'stream';
  cameraId: string;
  /** The stream actually sent. */
  quality: LiveQuality;
  requested: LiveQuality;
  /** The camera has a sub-stream (the page may fall back to it when the main codec does not play). */
  hasSubStream: boolean;
}

const closeCodes: Record<LiveEnd['reason'], number> = { ended: 4000, replaced: 4001, closing: 1001 };
const heartbeatMs = 15_000;

/** A browser always sends Origin on a WebSocket: refuse another site's page (cross-site WebSocket hijacking). */
function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try { host = new URL(origin).host; } catch { /* 'null' or garbage */ }
  if (host === null || host !== req.headers.host) throw new NvrError('FORBIDDEN', 'cross-origin live view refused: the Origin is not this box');
}

function parseQuality(raw: string | undefined): LiveQuality {
  if (raw === undefined || raw === '' || raw === 'sub') return 'sub';
  if (raw === 'main') return 'main';
  throw new NvrError('BAD_REQUEST', `quality='${raw.slice(0, 20)}' must be 'sub' (grid) or 'main' (full screen)`);
}

function resolve(deps: ApiDeps, id: string, rawQuality: string | undefined): { source: LiveSource; hello: LiveHello } {
  const camera = requireCamera(deps, id);
  const requested = parseQuality(rawQuality);
  if (!camera.enabled) throw new NvrError('CONFLICT', `camera '${camera.id}' is disabled: enable it to watch it live`);
  const subUrl = camera.subUrl ?? null;
  const quality: LiveQuality = requested === 'sub' && subUrl !== null ? 'sub' : 'main';
  const url = quality === 'sub' && subUrl !== null ? subUrl : camera.url;
  return {
    source: { cameraId: camera.id, quality, url },
    hello: { type: 'stream', cameraId: camera.id, quality, requested, hasSubStream: subUrl !== null },
  };
}

/** A close reason is at most 123 bytes of UTF-8. */
function closeReason(message: string): string {
  let out = message;
  while (Buffer.byteLength(out) > 120) out = out.slice(0, -1);
  return out;
}

function socketViewer(socket: WebSocket): LiveViewer {
  return {
    send: (data) => { if (socket.readyState === socket.OPEN) socket.send(data, { binary: true }); },
    bufferedBytes: () => socket.bufferedAmount,
    end: (end) => {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify({ type: 'end', reason: end.reason, message: end.message }));
      socket.close(closeCodes[end.reason], closeReason(end.message));
    },
  };
}

/** Ping every 15 s; a socket that did not answer the last ping is gone (phone left the Wi-Fi). */
function keepAlive(socket: WebSocket): void {
  let alive = true;
  socket.on('pong', () => { alive = true; });
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, heartbeatMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}

export function registerLiveRoutes(app: ApiApp, live: NonNullable<ApiDeps['live']>, deps: ApiDeps): void {
  const resolved = new WeakMap<FastifyRequest, { source: LiveSource; hello: LiveHello }>();
  app.route({
    method: 'GET',
    url: '/api/v1/cameras/:id/live',
    config: { access: 'viewer' },
    schema: { params: CameraIdParams, querystring: LiveQuery },
    // Checks run before the upgrade, so refusals are ordinary HTTP answers.
    preHandler: async (req) => {
      checkOrigin(req);
      resolved.set(req, resolve(deps, req.params.id, req.query.quality));
    },
    handler: async () => {
      throw new NvrError('BAD_REQUEST', 'live view is a WebSocket: connect with ws:// (Upgrade: websocket)');
    },
    wsHandler: (socket, req) => {
      const found = resolved.get(req);
      if (!found) return socket.close(1011, 'not resolved');
      socket.send(JSON.stringify(found.hello));
      let detach: (() => void) | null = null;
      try {
        detach = live.watch(found.source, socketViewer(socket));
      } catch (err) {
        const message = (err as Error).message;
        socket.send(JSON.stringify({ type: 'end', reason: 'unavailable', message }));
        return socket.close(1013, closeReason(message));
      }
      keepAlive(socket);
      socket.once('close', () => detach?.());
    },
  });
}
