/**
 * Input rules shared by the HTTP schemas (which document them in OpenAPI) and the
 * service (which enforces them for every caller, the command line included). Messages
 * name the field and the value, never a password.
 */
import { NvrError } from '../core/errors.js';
import type { Store } from '../store/db.js';
import { passwordMaxLength, passwordMinLength, tokenNamePattern, usernamePattern } from './policy.js';
import { isRole, roles, type Role } from './roles.js';

const username = new RegExp(usernamePattern);
const tokenName = new RegExp(tokenNamePattern);

/** What the auth services need from the store. */
export type AuthStore = Pick<Store, 'users' | 'sessions' | 'tokens' | 'transaction'>;

const shown = (value: string) => (value.length > 40 ? `${value.slice(0, 40)}…` : value);

export function checkUsername(value: string): string {
  if (!username.test(value)) {
    throw new NvrError('BAD_REQUEST', `username '${shown(value)}' is not valid: use 1-32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return value;
}

export function checkTokenName(value: string): string {
  if (!tokenName.test(value)) {
    throw new NvrError('BAD_REQUEST', `name '${shown(value)}' is not valid: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return value;
}

export function checkRole(value: unknown, field = 'role'): Role {
  if (!isRole(value)) throw new NvrError('BAD_REQUEST', `${field} '${shown(String(value))}' is not a role: use ${roles.join(', ')}`);
  return value;
}

export function checkPassword(value: string): string {
  if (value.length < passwordMinLength || value.length > passwordMaxLength) {
    throw new NvrError('BAD_REQUEST', `password must be ${passwordMinLength} to ${passwordMaxLength} characters (got ${value.length})`);
  }
  return value;
}

/** better-sqlite3's error for a UNIQUE constraint (a taken name). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
