/**
 * The HTTP API as a Fastify instance that is built but not listening: the daemon calls
 * listen(), tests call inject(). Validation uses TypeBox (the same validator as the
 * config), routes live in routes/, and errors.ts is the only error-to-status mapping.
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from './deps.js';
import type { ApiApp } from './schemas.js';
import { frameworkErrorHandler, registerErrorHandling } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerCameraRoutes } from './routes/cameras.js';
import { registerCameraAdminRoutes } from './routes/camera-admin.js';
import { registerDiscoveryRoutes } from './routes/discovery.js';
import { registerRecordingRoutes } from './routes/recordings.js';
import { registerClipRoutes } from './routes/clips.js';
import { registerStillRoutes } from './routes/stills.js';
import { registerPlaybackRoutes } from './routes/playback.js';
import { clientErrorHandler, registerLimits } from './plugins/limits.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerAuth } from './plugins/auth.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerUserRoutes } from './routes/users.js';
import { registerTokenRoutes } from './routes/tokens.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerHoldRoutes } from './routes/holds.js';
import { registerStorageRoutes } from './routes/storage.js';
import { registerIdentityRoutes } from './routes/identity.js';
import { registerExportRoutes } from './routes/exports.js';
import fastifyWebsocket from '@fastify/websocket';
import { registerLiveRoutes } from './routes/live.js';
import { registerWebApp } from './routes/web.js';

export type { ApiDeps } from './deps.js';
export type { ApiApp } from './schemas.js';

export function buildApp(deps: ApiDeps): ApiApp {
  // Typed as fastify's base logger so the result is assignable to a plain FastifyInstance.
  const logger: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance: logger,
    // The UI polls; per-request info lines would flood journald. 5xx are logged in errors.ts.
    logController: new LogController({ disableRequestLogging: true }),
    // Long ids must reach the handler to get INVALID_ID instead of a router 404.
    routerOptions: { maxParamLength: 500 },
    // Requests Node rejects before routing (headers over 16 KiB, …) get {code, message} too,
    // and so do those Fastify rejects before routing (a URL that does not %-decode).
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // Shutdown must not wait on a browser's idle keep-alive socket (or one that never sent
    // a request): recorders stop only after HTTP has closed.
    forceCloseConnections: true,
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app, deps.log);
  // First, so the HTTP metrics see every answer, including the 401s of the auth hook.
  if (deps.metrics) registerMetricsRoutes(app, deps.metrics);
  // Order matters: the URL cap runs before auth (both on every request, 404s included).
  registerLimits(app);
  registerAuth(app, deps);
  registerOpenApi(app, deps.version);
  // Before the routes: the plugin learns WebSocket routes as they are added (onRoute).
  // Viewers send nothing but pings, so incoming messages stay tiny.
  if (deps.live) void app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  // The routes go in a plugin registered after the OpenAPI generator, which learns routes
  // as they are added (onRoute): registered directly they would come before it loads.
  void app.register(async (api: ApiApp) => {
    registerAuthRoutes(api, deps);
    registerUserRoutes(api, deps);
    registerTokenRoutes(api, deps);
    registerAuditRoutes(api, deps);
    registerHealthRoutes(api, deps);
    registerCameraRoutes(api, deps);
    if (deps.cameraAdmin) registerCameraAdminRoutes(api, deps, deps.cameraAdmin);
    if (deps.discovery) registerDiscoveryRoutes(api, deps, deps.discovery);
    registerRecordingRoutes(api, deps);
    registerClipRoutes(api, deps);
    registerStillRoutes(api, deps);
    registerPlaybackRoutes(api, deps);
    if (deps.holds) registerHoldRoutes(api, deps.holds, deps.audit);
    if (deps.storage) registerStorageRoutes(api, deps.storage);
    if (deps.identity) registerIdentityRoutes(api, deps.identity);
    if (deps.exports) registerExportRoutes(api, deps.exports, deps.audit);
    if (deps.live) registerLiveRoutes(api, deps.live, deps);
    if (deps.webRoot) await registerWebApp(api, deps.webRoot, deps.log);
  });
  return app;
}
