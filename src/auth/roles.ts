/**
 * Roles, ordered: each includes the ones before it. viewer: status, coverage, live;
 * investigator: + clips, stills, playback, exports, holds; admin: + cameras, users,
 * settings, audit. The api re-exports these (src/api/access.ts).
 */
export const roles = ['viewer', 'investigator', 'admin'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** A role read back from the store (a CHECK constraint keeps it valid). */
export function asRole(value: string): Role {
  if (!isRole(value)) throw new Error(`unknown role '${value}' in the index`);
  return value;
}
