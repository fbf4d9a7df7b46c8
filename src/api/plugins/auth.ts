/**
 * The one place that enforces `config.access` (src/api/access.ts), as an onRequest hook
 * on every route:
 * - /api routes need a session cookie or a bearer token unless marked 'public'; routes
 *   outside /api (the OpenAPI docs) are public unless they declare otherwise. Unknown
 *   /api paths need authentication too, so the API cannot be mapped anonymously.
 * - no credentials → 401 UNAUTHORIZED; a forged, revoked or expired one → 401 (the
 *   cookie is cleared); a role too low → 403 FORBIDDEN naming the role needed (and an
 *   audit entry: someone tried).
 * - CSRF, kept simple: a state-changing request (not GET/HEAD/OPTIONS) without a bearer
 *   token is refused (403) when the browser says it is cross-site (Sec-Fetch-Site) or
 *   its Origin is not this host; one that carries a session cookie must carry Origin or
 *   Sec-Fetch-Site at all (every browser sends one on such requests; scripts use
 *   tokens). With SameSite=Strict on the cookie this is belt and braces.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NvrError } from '../../core/errors.js';
import { roleAllows, type Access, type Principal } from '../access.js';
import type { ApiDeps } from '../deps.js';
import type { ApiApp } from '../schemas.js';
import { routeOf } from './audit-request.js';
import { clearedSessionCookie, sessionIdOf } from './session-cookie.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function accessOf(req: FastifyRequest): Access {
  const declared = req.routeOptions.config?.access;
  if (declared) return declared;
  return req.url === '/api' || req.url.startsWith('/api/') || req.url.startsWith('/api?') ? 'viewer' : 'public';
}

/** Origin 'http://box:80' and Host 'box' are the same place (URL drops default ports). */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    const from = new URL(origin);
    return host !== undefined && from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false; // 'null' (sandboxed page) or garbage: not this box
  }
}

function checkSameOrigin(req: FastifyRequest, hasSession: boolean): void {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    throw new NvrError('FORBIDDEN', `cross-site request refused (Sec-Fetch-Site: ${site.slice(0, 20)})`);
  }
  if (typeof origin === 'string') {
    if (!sameHost(origin, req.headers.host)) throw new NvrError('FORBIDDEN', 'cross-origin request refused: the Origin is not this box');
  } else if (hasSession && typeof site !== 'string') {
    throw new NvrError('FORBIDDEN', 'a state-changing request with a session cookie must come from the box\'s own page (Origin header); scripts use an API token');
  }
}

function unauthorized(reply: FastifyReply, message: string): NvrError {
  reply.header('www-authenticate', 'Bearer realm="nvr"');
  return new NvrError('UNAUTHORIZED', message);
}

function authenticate(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply): Principal {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw unauthorized(reply, "the Authorization header must be 'Bearer <token>'");
    const principal = deps.auth.tokens.principal(match[1]!);
    if (!principal) throw unauthorized(reply, 'the API token is not valid (unknown or revoked)');
    return principal;
  }
  const sessionId = sessionIdOf(req);
  if (sessionId === null) {
    throw unauthorized(reply, 'authentication required: log in (POST /api/v1/auth/login) or send Authorization: Bearer <token>');
  }
  const principal = deps.auth.sessions.principal(sessionId);
  if (!principal) {
    reply.header('set-cookie', clearedSessionCookie(req));
    throw unauthorized(reply, 'the session has expired or is not valid: log in again');
  }
  return principal;
}

export function registerAuth(app: ApiApp, deps: ApiDeps): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    if (!safeMethods.has(req.method) && req.headers.authorization === undefined) {
      checkSameOrigin(req, sessionIdOf(req) !== null);
    }
    const access = accessOf(req);
    if (access === 'public') return;
    const principal = authenticate(deps, req, reply);
    if (!roleAllows(principal.role, access)) {
      deps.audit.append({ actor: principal.name, address: req.ip, action: 'access', result: 'denied', detail: `${routeOf(req)} needs ${access}` });
      throw new NvrError('FORBIDDEN', `this needs the '${access}' role; ${principal.name} is '${principal.role}'`);
    }
    req.principal = principal;
  });
}
