/**
 * OpenAPI 3 at /docs/json and Swagger UI at /docs, generated from the TypeBox schemas
 * that validate the routes (one source). Each operation states the role it needs (from
 * `config.access`) and the two ways to authenticate. Register before the routes: the
 * generator learns them as they are added.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import type { ApiApp } from '../schemas.js';

function accessOfRoute(route: RouteOptions, url: string): string {
  return route.config?.access ?? (url.startsWith('/api/') ? 'viewer' : 'public');
}

export function registerOpenApi(app: ApiApp, version: string): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Commune NVR API',
        version,
        description: 'Times: ISO-8601 with an offset, or epoch milliseconds. Errors: {code, message}. ' +
          'Authenticate with the session cookie (POST /api/v1/auth/login) or Authorization: Bearer <token> (nvr token create).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token from `nvr token create` or POST /api/v1/tokens' },
          session: { type: 'apiKey', in: 'cookie', name: 'nvr_session', description: 'set by POST /api/v1/auth/login' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const access = accessOfRoute(route, url);
      const security: Record<string, string[]>[] = access === 'public' ? [] : [{ bearer: [] }, { session: [] }];
      const description = [schema?.description, access === 'public' ? 'Public.' : `Needs role: ${access}.`].filter(Boolean).join(' ');
      return { schema: { ...schema, security, description }, url };
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
}
