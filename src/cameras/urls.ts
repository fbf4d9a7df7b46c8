/**
 * Camera URLs with and without their credentials. Stored URLs never carry user info; the
 * recorder gets them back from the credential vault. WHATWG URL parsing handles rtsp://
 * (a non-special scheme) with percent-encoding of odd passwords (`p@ss:w/rd`).
 */
import { createHash } from 'node:crypto';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The URL without user info, and the credentials it carried (null when none). */
export function splitCredentials(url: string): { url: string; credentials: Credentials | null } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url: u.href, credentials: null };
  const credentials = { username: safeDecode(u.username), password: safeDecode(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.href, credentials };
}

/** Put credentials into a URL (replacing any it had). */
export function withCredentials(url: string, credentials: Credentials | null): string {
  if (!credentials) return url;
  const u = new URL(url);
  u.username = credentials.username;
  u.password = credentials.password;
  return u.href;
}

/** A stable key of a stream URL that does not depend on (or reveal) its credentials. */
export function urlKey(url: string): string {
  let bare = url;
  try { bare = splitCredentials(url).url; } catch { /* not a URL: hash as is */ }
  return createHash('sha256').update(bare).digest('hex');
}

/** Host of a URL, for matching a discovered device with a camera; null when unparsable. */
export function hostOf(url: string): string | null {
  try { return new URL(url).hostname.replace(/^\[|\]$/g, '') || null; } catch { return null; }
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
