/**
 * The HTTP API as a Fastify instance that is built but not listening: the daemon calls
 * listen(), tests call inject(). Validation uses TypeBox (the same validator as the
 * config), routes live in routes/, and errors.ts is the only error-to-status mapping.
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from './deps.js';
import type { ApiApp } from './schemas.js';
import { registerErrorHandling } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerCameraRoutes } from './routes/cameras.js';
import { registerRecordingRoutes } from './routes/recordings.js';

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
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app, deps.log);
  registerHealthRoutes(app, deps);
  registerCameraRoutes(app, deps);
  registerRecordingRoutes(app, deps);
  return app;
}
