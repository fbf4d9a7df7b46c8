/**
 * SOAP plumbing of the ONVIF device simulator: reading a request (operation, arguments,
 * WS-UsernameToken) and writing envelopes and faults. Written from the ONVIF core
 * specification (SOAP 1.2, WS-Security UsernameToken profile 1.0, section 5.12 faults);
 * the simulator only has to understand what an ONVIF client sends, so a few regular
 * expressions replace an XML parser.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const ns = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  d: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
} as const;

export interface UsernameToken {
  username: string;
  /** Base64 SHA-1 digest, or the clear password for a PasswordText token. */
  password: string;
  digest: boolean;
  nonce: string | null;
  created: string | null;
}

export interface SoapRequest {
  /** Local name of the first element in the Body: GetProfiles, GetStreamUri, … */
  operation: string;
  token: UsernameToken | null;
  /** Text of the first element with this local name, anywhere in the request. */
  field(name: string): string | null;
}

const elementText = (xml: string, name: string): string | null => {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${name}>`).exec(xml);
  return m?.[1]?.trim() ?? null;
};

export function parseRequest(xml: string): SoapRequest | null {
  const body = /<(?:[\w-]+:)?Body(?:\s[^>]*)?>\s*<(?:[\w-]+:)?([A-Za-z]+)/.exec(xml);
  if (!body?.[1]) return null;
  const username = elementText(xml, 'Username');
  const passwordTag = /<(?:[\w-]+:)?Password(\s[^>]*)?>([^<]*)</.exec(xml);
  const token = username !== null && passwordTag
    ? {
        username,
        password: passwordTag[2]?.trim() ?? '',
        digest: /PasswordDigest/.test(passwordTag[1] ?? ''),
        nonce: elementText(xml, 'Nonce'),
        created: elementText(xml, 'Created'),
      }
    : null;
  return { operation: body[1], token, field: (name) => elementText(xml, name) };
}

export type TokenCheck = 'ok' | 'missing' | 'bad-user' | 'bad-password' | 'stale';

/**
 * WS-Security UsernameToken check as a camera does it: PasswordDigest =
 * Base64(SHA-1(nonce bytes + Created + password)), and Created must be close to the
 * camera's own clock (replay protection) — which is why a client must learn the camera's
 * clock before it can log in to a camera whose clock is wrong.
 */
export function checkToken(token: UsernameToken | null, user: string, password: string, cameraNowMs: number, maxSkewMs: number): TokenCheck {
  if (!token) return 'missing';
  if (token.username !== user) return 'bad-user';
  if (!token.digest) return token.password === password ? 'ok' : 'bad-password';
  if (token.nonce === null || token.created === null) return 'bad-password';
  const expected = createHash('sha1')
    .update(Buffer.concat([Buffer.from(token.nonce, 'base64'), Buffer.from(token.created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest();
  const given = Buffer.from(token.password, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-password';
  const createdMs = Date.parse(token.created);
  if (!Number.isFinite(createdMs) || Math.abs(createdMs - cameraNowMs) > maxSkewMs) return 'stale';
  return 'ok';
}

export function envelope(body: string, header = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="${ns.s}" xmlns:tds="${ns.tds}" xmlns:trt="${ns.trt}" xmlns:tt="${ns.tt}" xmlns:ter="${ns.ter}">
<s:Header>${header}</s:Header>
<s:Body>${body}</s:Body>
</s:Envelope>`;
}

/** A SOAP 1.2 fault with an ONVIF subcode (ter:NotAuthorized, ter:ActionNotSupported, …). */
export function fault(code: 'Sender' | 'Receiver', subcode: string, reason: string): string {
  return envelope(`<s:Fault>
<s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>
<s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason>
</s:Fault>`);
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
