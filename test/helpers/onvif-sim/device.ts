/**
 * One simulated ONVIF camera: a SOAP responder over HTTP answering the device and media
 * calls an NVR needs, with WS-UsernameToken checking against the camera's own (possibly
 * wrong) clock. Misbehaviours found in the field are switches on the spec.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { checkToken, envelope, fault, parseRequest, type SoapRequest } from './soap.js';
import {
  capabilitiesBody, dateTimeBody, defaultProfiles, deviceInformationBody, mediaUriBody, profilesBody, servicesBody,
  type SimInfo, type SimProfile,
} from './responses.js';

export type SimFault =
  | 'none'
  | 'truncated-xml' // every answer cut in the middle of an element
  | 'wrong-shape' // well-formed SOAP whose body is not what was asked
  | 'no-date'; // GetSystemDateAndTime without UTCDateTime/LocalDateTime fields

export interface SimDeviceSpec {
  host?: string;
  port?: number;
  endpoint?: string;
  username?: string;
  password?: string;
  /** Camera clock minus real time (a year: 365 * 86_400_000). */
  clockOffsetMs?: number;
  /** WS-Security Created must be within this of the camera clock. */
  maxSkewMs?: number;
  info?: Partial<SimInfo>;
  profiles?: SimProfile[];
  snapshotPath?: string | null;
  /** Answer GetDeviceInformation without credentials (many cheap cameras do). */
  anonymousDeviceInfo?: boolean;
  fault?: SimFault;
  /** Answer GetServices with ActionNotSupported, as cameras older than ONVIF 2.0 do. */
  noGetServices?: boolean;
  /** WS-Discovery scopes; defaults name/hardware from info. */
  scopes?: string[];
}

export interface SimDevice {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly serviceUrl: string;
  readonly spec: Required<Pick<SimDeviceSpec, 'username' | 'password'>> & SimDeviceSpec;
  readonly info: SimInfo;
  readonly scopes: string[];
  /** Operations received, in order, with the auth result ('anon' for no token). */
  readonly calls: { operation: string; auth: string }[];
  close(): Promise<void>;
}

/** ONVIF access class PRE_AUTH: callable without credentials by every client. */
const preAuth = new Set(['GetSystemDateAndTime', 'GetServices', 'GetCapabilities', 'GetServiceCapabilities', 'GetWsdlUrl', 'GetEndpointReference']);

export async function startSimDevice(spec: SimDeviceSpec = {}): Promise<SimDevice> {
  const host = spec.host ?? '127.0.0.1';
  const full = { username: 'admin', password: 'cam-pass-1', ...spec };
  const calls: { operation: string; auth: string }[] = [];
  let base = '';
  const info: SimInfo = { manufacturer: 'SimCam', model: 'SC-2000', firmwareVersion: '1.10', serialNumber: `SN${randomUUID().slice(0, 8)}`, hardwareId: 'HW-01', ...spec.info };
  const server = createServer((req, res) => {
    readBody(req).then((body) => answer(body, res), () => res.destroy());
  });
  const answer = (body: string, res: ServerResponse): void => {
    const request = parseRequest(body);
    if (!request) return send(res, 400, fault('Sender', 'ter:WellFormed', 'Not a SOAP request'));
    const cameraNowMs = Date.now() + (full.clockOffsetMs ?? 0);
    const auth = request.token ? checkToken(request.token, full.username, full.password, cameraNowMs, full.maxSkewMs ?? 30_000) : 'anon';
    calls.push({ operation: request.operation, auth });
    const open = preAuth.has(request.operation) || (request.operation === 'GetDeviceInformation' && full.anonymousDeviceInfo === true && auth === 'anon');
    if (!open && auth !== 'ok') return send(res, 400, fault('Sender', 'ter:NotAuthorized', 'Sender not Authorized'));
    const out = operationBody(request, { spec: full, info, base, cameraNowMs });
    if (out === null) return send(res, 400, fault('Receiver', 'ter:ActionNotSupported', 'Optional Action Not Implemented'));
    send(res, 200, mangle(envelope(out), full.fault ?? 'none', request.operation));
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${host}:${port}`;
  const scopes = spec.scopes ?? [
    'onvif://www.onvif.org/type/video_encoder', 'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${encodeURIComponent(info.manufacturer)}`, `onvif://www.onvif.org/hardware/${encodeURIComponent(info.model)}`,
  ];
  return {
    host, port, endpoint: spec.endpoint ?? `urn:uuid:${randomUUID()}`, serviceUrl: `${base}/onvif/device_service`,
    spec: full, info, scopes, calls,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface Context { spec: SimDeviceSpec; info: SimInfo; base: string; cameraNowMs: number }

function operationBody(req: SoapRequest, ctx: Context): string | null {
  const profiles = ctx.spec.profiles ?? defaultProfiles(`rtsp://${ctx.base.slice(7).split(':')[0]}:554/main`, `rtsp://${ctx.base.slice(7).split(':')[0]}:554/sub`);
  const profile = () => profiles.find((p) => p.token === req.field('ProfileToken')) ?? null;
  switch (req.operation) {
    case 'GetSystemDateAndTime':
      return ctx.spec.fault === 'no-date'
        ? '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
        : dateTimeBody(ctx.cameraNowMs);
    case 'GetServices': return ctx.spec.noGetServices ? null : servicesBody(ctx.base);
    case 'GetCapabilities': return capabilitiesBody(ctx.base);
    case 'GetDeviceInformation': return deviceInformationBody(ctx.info);
    case 'GetProfiles': return profilesBody(profiles);
    case 'GetStreamUri': { const p = profile(); return p ? mediaUriBody('GetStreamUri', p.streamUri) : null; }
    case 'GetSnapshotUri': {
      const p = profile();
      const path = ctx.spec.snapshotPath === undefined ? '/onvif/snapshot' : ctx.spec.snapshotPath;
      return p && path !== null ? mediaUriBody('GetSnapshotUri', `${ctx.base}${path}?token=${p.token}`) : null;
    }
    default: return null;
  }
}

/** Field misbehaviours. The clock answer stays intact for 'wrong-shape' so login proceeds. */
function mangle(xml: string, kind: SimFault, operation: string): string {
  if (kind === 'truncated-xml') return xml.slice(0, Math.floor(xml.length * 0.6));
  if (kind === 'wrong-shape' && operation !== 'GetSystemDateAndTime') {
    return envelope('<tds:SomethingElseResponse><tds:Whatever>42</tds:Whatever></tds:SomethingElseResponse>');
  }
  return xml;
}

function send(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size > 1 << 20) req.destroy(); else chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
