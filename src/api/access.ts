/**
 * Who may call a route, declared on the route itself (`config: { access: 'investigator' }`)
 * and enforced in one place by the auth plugin (src/api/plugins/auth.ts). Roles are
 * ordered: each includes the ones before it. A route without a declaration under /api
 * needs at least 'viewer'; outside /api (the OpenAPI docs) it is public.
 *
 * Roles and principals are the auth module's, the entry shape the audit module's; they
 * are re-exported here so routes import their whole contract from one file.
 */
import { roles, type Role } from '../auth/roles.js';
import type { Principal } from '../auth/types.js';
import type { AuditEntry } from '../audit/types.js';

export { roles, type Role, type Principal, type AuditEntry };

export type Access = Role | 'public';

export function roleAllows(have: Role, need: Access): boolean {
  if (need === 'public') return true;
  return roles.indexOf(have) >= roles.indexOf(need);
}

/**
 * Appends to the hash-chained audit trail; synchronous (one prepared INSERT). Throws
 * NvrError UNAVAILABLE when the trail cannot be written: do not serve footage then.
 */
export interface AuditPort {
  append(entry: AuditEntry): void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** Set by the auth plugin for every non-public route; null on public ones. */
    principal: Principal | null;
  }
}
