/**
 * Checking what an admin sends (add / change a camera) with messages that name the field
 * and the value (passwords are never echoed), and turning ONVIF failures into answers
 * that say what to do. Nothing here does I/O.
 */
import { NvrError } from '../core/errors.js';
import { maskSecrets } from '../core/redact.js';
import { cameraIdPattern } from '../config/schema.js';
import { OnvifError } from '../discovery/types.js';

const slug = new RegExp(cameraIdPattern);
const hostPattern = /^[A-Za-z0-9.:[\]-]{1,253}$/;

export function shown(value: unknown): string {
  const text = maskSecrets(String(value));
  return `'${text.length > 64 ? `${text.slice(0, 64)}…` : text}'`;
}

export function checkId(field: string, id: unknown): string {
  if (typeof id !== 'string' || !slug.test(id)) {
    throw new NvrError('INVALID_ID', `${field}=${shown(id)} is not a valid camera id: use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit`);
  }
  return id;
}

export function checkName(field: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 120) {
    throw new NvrError('BAD_REQUEST', `${field}=${shown(name ?? '')} must be 1 to 120 characters`);
  }
  return name.trim();
}

export function checkHost(field: string, host: unknown): string {
  if (typeof host !== 'string' || !hostPattern.test(host)) {
    throw new NvrError('BAD_REQUEST', `${field}=${shown(host ?? '')} must be an IP address or host name (no http://, path or user)`);
  }
  return host;
}

export function checkPort(field: string, port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NvrError('BAD_REQUEST', `${field}=${shown(port)} must be a port number 1-65535 (ONVIF is often on 80, 8000, 8080 or 8899)`);
  }
  return port;
}

export function checkUsername(field: string, username: unknown): string {
  if (typeof username !== 'string' || username === '' || username.length > 128) {
    throw new NvrError('BAD_REQUEST', `${field} must be 1 to 128 characters`);
  }
  return username;
}

export function checkPassword(field: string, password: unknown): string {
  // Never echo it, not even masked.
  if (typeof password !== 'string' || password.length > 128) throw new NvrError('BAD_REQUEST', `${field} must be text of at most 128 characters`);
  return password;
}

export function checkRtspUrl(field: string, url: unknown): string {
  if (typeof url !== 'string' || url.length > 2048 || !/^rtsps?:\/\/[^\s/?#]+/i.test(url)) {
    throw new NvrError('BAD_REQUEST', `${field}=${shown(url ?? '')} must be an rtsp:// or rtsps:// URL with a host`);
  }
  try { new URL(url); } catch {
    throw new NvrError('BAD_REQUEST', `${field}=${shown(url)} is not a valid URL`);
  }
  return url;
}

/** An id from a display name: Vietnamese letters lose their marks ("Cổng chính" → cong-chinh). */
export function idFromName(name: string): string {
  const base = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56);
  return base === '' ? 'camera' : base;
}

/** The first free id from a base: base, base-2, base-3, … */
export function uniqueId(base: string, taken: (id: string) => boolean): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`;
}

/** An ONVIF failure as an answer to the admin: the field to look at and what to do. */
export function onboardingError(err: unknown, where: string): NvrError {
  if (!(err instanceof OnvifError)) return err instanceof NvrError ? err : new NvrError('INTERNAL', 'onboarding failed');
  const detail = err.message.replace(/^[^:]*: /, '');
  switch (err.failure) {
    case 'unreachable':
      return new NvrError('BAD_REQUEST', `onvif.host: nothing answers at ${where} (${detail}): check the camera's address and ONVIF port, and that it is powered and on this network`);
    case 'timeout':
      return new NvrError('BAD_REQUEST', `onvif.host: ${where} did not answer in time: check the address; a camera on weak Wi-Fi may need another try`);
    case 'auth':
      return new NvrError('BAD_REQUEST', `onvif.password: the camera at ${where} refused the username or password (many cameras need an ONVIF user created in their web page)`);
    case 'not-onvif':
      return new NvrError('BAD_REQUEST', `onvif.port: ${where} answers HTTP but is not an ONVIF device service: check the ONVIF port in the camera's network settings`);
    case 'no-media':
      return new NvrError('BAD_REQUEST', `onvif.host: ${where} has no video stream profile (an NVR, a door controller?): add its cameras one by one or by RTSP URL`);
    case 'malformed':
    case 'fault':
      return new NvrError('BAD_REQUEST', `onvif.host: the device at ${where} gave an answer that cannot be used (${detail}): update its firmware or add it by RTSP URL`);
  }
}
