/**
 * The officers' web app (web/, built by Vite into web/dist) served by the daemon itself:
 * no CDN and no font from the internet (the post's LAN has none). Hashed assets are
 * cached for a year, index.html never (a new build shows at the next load); brotli and
 * gzip copies written at build time are sent to browsers that accept them (slow Wi-Fi).
 *
 * The app routes in the browser (history API): each of its pages answers index.html, so a
 * reload or a bookmarked link works. Only these paths do: an unknown path is still the
 * API's 404, and nothing under /api is ever answered with HTML.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { NvrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ApiApp } from '../schemas.js';

/** web/dist of this install: three folders up from src/api/routes (or dist/api/routes). */
export const defaultWebRoot = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** The web app's own pages (web/src/router.ts keeps the same list). */
export const appPages = [
  '/', '/login', '/live/:id', '/timeline/:id', '/trace', '/evidence',
  '/admin/cameras', '/admin/users', '/admin/audit',
] as const;

/**
 * Same-origin everything; blob: for MediaSource video and hls.js's worker, data: for the
 * stills the API inlines. No inline script.
 */
export const contentSecurityPolicy = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
  "media-src 'self' blob:", "worker-src 'self' blob:", "connect-src 'self'", "font-src 'self'",
  "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** index-B5OSlq0f.js, hls.light-DiYt8qNU.js, …: no path, no dot file. */
const AssetParams = Type.Object({ file: Type.String() });
const assetName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

function cacheHeaders(reply: FastifyReply, file: string): void {
  const hashed = path.basename(file) !== 'index.html';
  reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('x-content-type-options', 'nosniff');
}

export async function registerWebApp(app: ApiApp, webRoot: string, log: Logger): Promise<void> {
  if (!existsSync(path.join(webRoot, 'index.html'))) {
    log.warn({ webRoot }, 'web app not built (npm run build:web): the daemon serves the API only');
    return;
  }
  // Only reply.sendFile from the plugin: our own routes decide what exists, so a missing
  // file gets the API's {code, message} 404 and a rebuild needs no restart.
  await app.register(fastifyStatic, { root: webRoot, serve: false, preCompressed: true, setHeaders: (reply, file) => cacheHeaders(reply, file) });
  const assetsDir = path.join(webRoot, 'assets');
  // Vite puts every built file but index.html under assets/, with hashed names.
  app.get('/assets/:file', { config: { access: 'public' }, schema: { hide: true, params: AssetParams } }, (req, reply) => {
    const { file } = req.params;
    if (!assetName.test(file) || !existsSync(path.join(assetsDir, file))) throw new NvrError('NOT_FOUND', `no such file: /assets/${file.slice(0, 100)}`);
    return reply.sendFile(file, assetsDir);
  });
  for (const page of appPages) {
    app.get(page, { config: { access: 'public' }, schema: { hide: true } }, (_req, reply) =>
      reply.header('content-security-policy', contentSecurityPolicy).sendFile('index.html', webRoot));
  }
}
