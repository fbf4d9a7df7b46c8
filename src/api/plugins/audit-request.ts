/**
 * Audit entries from requests: who (the principal, or 'anonymous') and from where (the
 * client address), plus a wrapper that records an account change whether it succeeds
 * or fails. Routes of other modules may use these too.
 */
import type { FastifyRequest } from 'fastify';
import { isNvrError } from '../../core/errors.js';
import type { AuditEntry, AuditPort } from '../access.js';

export function whoAndWhere(req: FastifyRequest): Pick<AuditEntry, 'actor' | 'address'> {
  return { actor: req.principal?.name ?? 'anonymous', address: req.ip };
}

/** The route pattern (never the raw URL, which may carry anything a client sent). */
export function routeOf(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? '(no route)'}`;
}

/**
 * Runs `fn` and appends one entry: result 'ok', or 'failed' with the error code in the
 * detail (4xx: the caller's mistake), or 'error' (the box failed). Rethrows.
 */
export async function audited<T>(audit: AuditPort, req: FastifyRequest, action: string, detail: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    const value = await fn();
    audit.append({ ...whoAndWhere(req), action, result: 'ok', detail });
    return value;
  } catch (err) {
    const failed = isNvrError(err) && err.httpStatus < 500;
    const code = isNvrError(err) ? err.code : 'INTERNAL';
    audit.append({ ...whoAndWhere(req), action, result: failed ? 'failed' : 'error', detail: `${detail}: ${code}` });
    throw err;
  }
}
