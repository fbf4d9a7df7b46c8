/**
 * Who may call a route, declared on the route itself (`config: { access: 'investigator' }`)
 * and enforced in one place by the auth plugin. Roles are ordered: each includes the ones
 * before it. A route without a declaration under /api needs at least 'viewer'.
 */
export const roles = ['viewer', 'investigator', 'admin'] as const;
export type Role = (typeof roles)[number];
export type Access = Role | 'public';

/** The authenticated caller of a request. */
export interface Principal {
  /** Stable id of the user, or of the API token. */
  readonly id: string;
  /** User name or token name, as written in the audit trail. */
  readonly name: string;
  readonly role: Role;
  readonly via: 'session' | 'token';
}

export function roleAllows(have: Role, need: Access): boolean {
  if (need === 'public') return true;
  return roles.indexOf(have) >= roles.indexOf(need);
}

/** One line of the audit trail (hash-chained by the audit module). */
export interface AuditEntry {
  /** Principal name, or the user name tried for a failed login, or 'anonymous'. */
  actor: string;
  /** Remote address of the request. */
  address: string;
  /** e.g. 'clip', 'still', 'playback', 'export', 'login', 'hold.create', 'settings.change'. */
  action: string;
  result: 'ok' | 'denied' | 'failed' | 'error';
  cameraId?: string | null;
  fromMs?: number | null;
  toMs?: number | null;
  bytes?: number | null;
  detail?: string | null;
}

export interface AuditPort {
  append(entry: AuditEntry): void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}
