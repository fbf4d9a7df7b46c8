/**
 * Random secrets and their stored form. Session ids and API tokens carry 256 random
 * bits, so a plain sha256 is a safe stored form (nothing to brute-force); passwords are
 * low-entropy and get scrypt (password.ts).
 */
import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export const secretPattern = /^[A-Za-z0-9_-]{43}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
