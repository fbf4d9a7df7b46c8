/**
 * Finding cameras, for admins: a WS-Discovery scan through every interface of the box,
 * and a manual check of one address for networks that drop multicast. Each device says
 * whether a camera already records it. Scans are audited (they probe the LAN).
 */
import Type from 'typebox';
import { checkHost, checkPort } from '../../cameras/input.js';
import { DiscoveredDeviceBody, discoveredView } from '../camera-facts.js';
import type { ApiDeps, DiscoveryPort } from '../deps.js';
import { audited } from '../plugins/audit-request.js';
import { ErrorBody, type ApiApp } from '../schemas.js';

const ScanBody = Type.Object({ devices: Type.Array(DiscoveredDeviceBody) });
const CheckBody = Type.Object({
  host: Type.Optional(Type.String({ maxLength: 300 })),
  port: Type.Optional(Type.Integer()),
}, { additionalProperties: false });

const admin = { access: 'admin' } as const;

export function registerDiscoveryRoutes(app: ApiApp, deps: ApiDeps, discovery: DiscoveryPort): void {
  app.post('/api/v1/discovery/scan', { config: admin, schema: { response: { 200: ScanBody, 400: ErrorBody } } }, async (req) => {
    const devices = await audited(deps.audit, req, 'discovery.scan', 'ws-discovery on every interface', () => discovery.scan());
    return { devices: devices.map(discoveredView) };
  });

  app.post('/api/v1/discovery/check', { config: admin, schema: { body: CheckBody, response: { 200: DiscoveredDeviceBody, 400: ErrorBody } } }, async (req) => {
    const host = checkHost('host', req.body.host);
    const port = checkPort('port', req.body.port ?? 80);
    const device = await audited(deps.audit, req, 'discovery.check', `${host}:${port}`, () => discovery.checkAddress(host, port));
    return discoveredView(device);
  });
}
