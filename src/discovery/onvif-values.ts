/**
 * Reading the `onvif` library's loosely shaped answers into our typed values. The library
 * runs xml2js + its own `linerase`, which turns single-element arrays into objects and
 * numeric-looking text into numbers; every accessor here copes with both and never throws.
 */
import type { DeviceInformation, MediaProfile, ProbeMatch } from './types.js';

type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follow keys through nested objects; undefined as soon as one is missing. */
export function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  // xml2js puts text next to attributes under `_`.
  if (isObj(v) && typeof v['_'] === 'string') return text(v['_']);
  return null;
}

export function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return entities[e.toLowerCase()] ?? _m;
  });
}

/**
 * The text of the first `<prefix:Name>` element of a raw answer. Used where linerase
 * would damage the value (a firmware "1.10" becomes the number 1.1).
 */
export function xmlField(xml: string | undefined, name: string): string | null {
  if (!xml) return null;
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${name}>`).exec(xml);
  return m?.[1] === undefined ? null : text(decodeXml(m[1]));
}

export function deviceInformationFrom(data: unknown, xml: string | undefined): DeviceInformation {
  const field = (xmlName: string, key: string) => xmlField(xml, xmlName) ?? text(dig(data, key));
  return {
    manufacturer: field('Manufacturer', 'manufacturer'),
    model: field('Model', 'model'),
    firmwareVersion: field('FirmwareVersion', 'firmwareVersion'),
    serialNumber: field('SerialNumber', 'serialNumber'),
    hardwareId: field('HardwareId', 'hardwareId'),
  };
}

/** A raw ProbeMatches body (discovery with resolve:false) → our matches. */
export function probeMatchesFrom(raw: unknown): ProbeMatch[] {
  return list(dig(raw, 'probeMatches', 'probeMatch')).flatMap((m): ProbeMatch[] => {
    const endpoint = text(dig(m, 'endpointReference', 'address'));
    const xaddrs = (text(dig(m, 'XAddrs')) ?? '').split(/\s+/).filter((u) => /^https?:\/\//i.test(u));
    if (!endpoint || xaddrs.length === 0) return [];
    const scopes = (text(dig(m, 'scopes')) ?? '').split(/\s+/).filter((s) => s !== '');
    return [{ endpoint, xaddrs, scopes }];
  });
}

/** Media1 profiles as linerased by the library (Media2 answers are mapped to this shape by it). */
export function mediaProfilesFrom(raw: unknown): MediaProfile[] {
  return list(raw).flatMap((p): MediaProfile[] => {
    const token = text(dig(p, '$', 'token'));
    if (!token) return [];
    const vec = dig(p, 'videoEncoderConfiguration');
    const gov = dig(vec, 'H264', 'govLength') ?? dig(vec, 'H265', 'govLength') ?? dig(vec, '$', 'GovLength') ?? dig(vec, 'govLength');
    return [{
      token,
      name: text(dig(p, 'name')) ?? token,
      encoding: text(dig(vec, 'encoding')),
      width: num(dig(vec, 'resolution', 'width')),
      height: num(dig(vec, 'resolution', 'height')),
      fps: num(dig(vec, 'rateControl', 'frameRateLimit')),
      bitrateKbps: num(dig(vec, 'rateControl', 'bitrateLimit')),
      govLength: num(gov),
      audioEncoding: text(dig(p, 'audioEncoderConfiguration', 'encoding')),
    }];
  });
}

const pixels = (p: MediaProfile) => (p.width ?? 0) * (p.height ?? 0);

/**
 * Main = the largest video profile (what we record); sub = the smallest other one (what
 * live view can use). Ties keep the camera's order, which puts its main stream first.
 */
export function chooseStreams(profiles: readonly MediaProfile[]): { main: MediaProfile; sub: MediaProfile | null } | null {
  const video = profiles.filter((p) => p.encoding !== null && !/^jpe?g$/i.test(p.encoding));
  if (video.length === 0) return null;
  const main = video.reduce((best, p) => (pixels(p) > pixels(best) ? p : best));
  const rest = video.filter((p) => p !== main);
  const sub = rest.length === 0 ? null : rest.reduce((best, p) => (pixels(p) < pixels(best) ? p : best));
  return { main, sub };
}
