/**
 * Answer shapes of the account, token and audit routes (TypeBox: they validate the
 * routes, write the OpenAPI document and, as response schemas, keep anything not listed
 * (a password hash, a token hash) out of an answer). Times are epoch ms and ISO-8601 UTC.
 */
import Type from 'typebox';
import { toIso } from '../../core/time.js';
import { passwordMaxLength, passwordMinLength, tokenNamePattern, usernamePattern } from '../../auth/policy.js';
import { roles } from '../../auth/roles.js';
import type { Principal, TokenView, UserView } from '../../auth/types.js';
import type { AuditRecord } from '../../audit/types.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));

export const RoleSchema = Type.Enum([...roles], { description: 'viewer < investigator < admin' });
export const UsernameSchema = Type.String({ pattern: usernamePattern, description: '1-32 of a-z 0-9 . _ -' });
export const PasswordSchema = Type.String({ minLength: passwordMinLength, maxLength: passwordMaxLength });
export const TokenNameSchema = Type.String({ pattern: tokenNamePattern, description: '1-64 of a-z 0-9 . _ -' });
/** Numeric ids arrive as path strings; the handler answers INVALID_ID for anything else. */
export const IdParams = Type.Object({ id: Type.String() });

export const PrincipalBody = Type.Object({
  id: Type.String(),
  name: Type.String({ description: "user name, or 'token:<name>'" }),
  role: RoleSchema,
  via: Type.Enum(['session', 'token']),
});

export const UserBody = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: RoleSchema,
  createdMs: Type.Integer(),
  created: Type.String(),
  updatedMs: Type.Integer(),
  lastLoginMs: Nullable(Type.Integer()),
  lastLogin: Nullable(Type.String()),
});

export const TokenBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: RoleSchema,
  createdMs: Type.Integer(),
  created: Type.String(),
  createdBy: Type.String(),
  lastUsedMs: Nullable(Type.Integer()),
  revokedMs: Nullable(Type.Integer()),
  revoked: Nullable(Type.String()),
});

export const AuditEntryBody = Type.Object({
  id: Type.Integer(),
  atMs: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  address: Type.String(),
  action: Type.String(),
  result: Type.String(),
  cameraId: Nullable(Type.String()),
  fromMs: Nullable(Type.Integer()),
  from: Nullable(Type.String()),
  toMs: Nullable(Type.Integer()),
  to: Nullable(Type.String()),
  bytes: Nullable(Type.Integer()),
  detail: Nullable(Type.String()),
  hash: Type.String(),
});

export const principalView = (p: Principal) => ({ id: p.id, name: p.name, role: p.role, via: p.via });

export const userBody = (u: UserView) => ({ ...u, created: toIso(u.createdMs), lastLogin: isoOrNull(u.lastLoginMs) });

export const tokenBody = (t: TokenView) => ({ ...t, created: toIso(t.createdMs), revoked: isoOrNull(t.revokedMs) });

export const auditEntryBody = (e: AuditRecord) => ({ ...e, at: toIso(e.atMs), from: isoOrNull(e.fromMs), to: isoOrNull(e.toMs) });
