/**
 * Browser login: POST /auth/login sets the session cookie, POST /auth/logout ends it,
 * GET /auth/me says who the caller is. Every login is audited, failed and rate-limited
 * ones too (actor: the name tried). Too many attempts → 429 with Retry-After.
 */
import Type from 'typebox';
import { isNvrError } from '../../core/errors.js';
import { toIso } from '../../core/time.js';
import type { ApiDeps } from '../deps.js';
import { ErrorBody, type ApiApp } from '../schemas.js';
import { clearedSessionCookie, sessionCookie, sessionIdOf } from '../plugins/session-cookie.js';
import { PrincipalBody, UserBody, principalView, userBody } from '../plugins/views.js';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

const LoginAnswer = Type.Object({ user: UserBody, expiresMs: Type.Integer(), expires: Type.String() });

/** Login bodies are tiny; refuse anything bigger before parsing it. */
const smallBodyBytes = 16 * 1024;

export function registerAuthRoutes(app: ApiApp, deps: ApiDeps): void {
  const { sessions } = deps.auth;

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      bodyLimit: smallBodyBytes,
      schema: { body: LoginBody, response: { 200: LoginAnswer, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody } },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const entry = { actor: username, address: req.ip, action: 'login' };
      try {
        const session = await sessions.login(username, password, req.ip);
        deps.audit.append({ ...entry, actor: session.user.username, result: 'ok', detail: 'session' });
        reply.header('set-cookie', sessionCookie(req, session.sessionId, session.expiresMs - deps.clock.nowMs()));
        return { user: userBody(session.user), expiresMs: session.expiresMs, expires: toIso(session.expiresMs) };
      } catch (err) {
        const limited = isNvrError(err) && err.code === 'RATE_LIMITED';
        const detail = isNvrError(err) ? err.code : 'INTERNAL';
        deps.audit.append({ ...entry, result: limited ? 'denied' : 'failed', detail });
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { access: 'public' }, bodyLimit: smallBodyBytes, schema: { response: { 204: Type.Null() } } },
    async (req, reply) => {
      const sessionId = sessionIdOf(req);
      const who = sessionId === null ? null : sessions.principal(sessionId);
      if (sessionId !== null) sessions.logout(sessionId);
      if (who) deps.audit.append({ actor: who.name, address: req.ip, action: 'logout', result: 'ok' });
      return reply.header('set-cookie', clearedSessionCookie(req)).status(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/me',
    { config: { access: 'viewer' }, schema: { response: { 200: PrincipalBody } } },
    (req) => principalView(req.principal!),
  );
}
