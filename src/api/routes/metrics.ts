/**
 * GET /metrics (Prometheus text format) and the HTTP metrics of every request.
 *
 * Access: 'viewer'. Metrics say which cameras exist and when one is down, which is not
 * for anyone on the LAN of a police post; Prometheus scrapes with a viewer API token
 * (`authorization: { credentials_file: … }` in its scrape config). Outside /api so the
 * usual scrape path works without a metrics_path setting.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiMetrics } from '../deps.js';
import type { ApiApp } from '../schemas.js';

export function registerMetricsRoutes(app: ApiApp, metrics: ApiMetrics): void {
  // The route pattern, not the URL: /api/v1/cameras/:id stays one series whatever the id.
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    metrics.observeHttp(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });

  app.get('/metrics', { config: { access: 'viewer' }, schema: { hide: true } }, async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
