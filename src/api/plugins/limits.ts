/**
 * Hostile-input guards that run before anything else:
 * - URLs longer than maxUrlLength get 414 URI_TOO_LONG (before auth, routing or parsing
 *   the query string, so a huge query costs nothing);
 * - errors Node's HTTP parser raises before Fastify sees a request (headers over
 *   Node's 16 KiB limit, a malformed request line, a slow client) are answered in the
 *   same `{code, message}` shape instead of Fastify's default body.
 * Bodies are capped per route (bodyLimit) and by Fastify's 1 MiB default: 413.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { NvrError } from '../../core/errors.js';
import type { ApiApp } from '../schemas.js';

/** Longer than any real request (a multi-camera still names at most a few dozen ids). */
export const maxUrlLength = 8192;

export function registerLimits(app: ApiApp): void {
  app.addHook('onRequest', async (req) => {
    if (req.url.length > maxUrlLength) {
      throw new NvrError('URI_TOO_LONG', `the URL is ${req.url.length} characters; at most ${maxUrlLength} are accepted`);
    }
  });
}

function parserError(err: NodeJS.ErrnoException): { status: number; code: string; message: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'BAD_REQUEST', message: `the request line and headers exceed ${http.maxHeaderSize} bytes; URLs are capped at ${maxUrlLength} characters` };
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'BAD_REQUEST', message: 'the request was not received in time' };
  return { status: 400, code: 'BAD_REQUEST', message: 'malformed HTTP request' };
}

/** Fastify's `clientErrorHandler` option: Node rejected the request before routing. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = parserError(err);
  const body = JSON.stringify({ code, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
