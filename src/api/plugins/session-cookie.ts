/**
 * The browser session cookie: `nvr_session`, HttpOnly (no script can read it), SameSite=
 * Strict (no other site's page can send it), Path=/, Secure when the request came over
 * HTTPS (the box usually serves plain HTTP on the post's LAN, where Secure would stop the
 * browser from ever sending it).
 */
import type { FastifyRequest } from 'fastify';

export const sessionCookieName = 'nvr_session';

function attributes(req: FastifyRequest, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function sessionCookie(req: FastifyRequest, sessionId: string, maxAgeMs: number): string {
  return `${sessionCookieName}=${sessionId}; ${attributes(req, Math.max(0, Math.round(maxAgeMs / 1000)))}`;
}

/** Tells the browser to drop the cookie (logout, or a session the box no longer knows). */
export function clearedSessionCookie(req: FastifyRequest): string {
  return `${sessionCookieName}=; ${attributes(req, 0)}`;
}

/** The session id sent by the browser, or null. The first of duplicate cookies wins. */
export function sessionIdOf(req: FastifyRequest): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === sessionCookieName) return part.slice(eq + 1).trim();
  }
  return null;
}
