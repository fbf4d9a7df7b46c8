/**
 * WS-Discovery target service (2005/04 draft, as ONVIF uses it) for a set of simulated
 * devices: one UDP socket on 3702 joined to 239.255.255.250 receives Probes, and each
 * device answers with a unicast ProbeMatches from its own address after a random delay
 * (WS-Discovery APP_MAX_DELAY is 500 ms), as real cameras do. A device may miss probes
 * or answer garbage, which is how cheap cameras behave on a busy Wi-Fi.
 */
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { escapeXml as x, ns } from './soap.js';

export const wsDiscoveryAddress = '239.255.255.250';
export const wsDiscoveryPort = 3702;

export interface DiscoverableDevice {
  endpoint: string;
  /** Address the device's own replies leave from. */
  host: string;
  xaddrs: string[];
  scopes: string[];
  /** Ignore this many probes before answering (a camera that misses single probes). */
  missFirstProbes?: number;
  /** Answer with a reply that is not a readable ProbeMatches. */
  garbage?: boolean;
}

export interface DiscoveryResponder {
  /** Probes received so far. */
  readonly probes: number;
  close(): Promise<void>;
}

export interface ResponderOptions {
  /** IPv4 address of the interface to join the group on. */
  interfaceAddress: string;
  devices: DiscoverableDevice[];
  maxDelayMs?: number;
}

export async function startDiscoveryResponder(options: ResponderOptions): Promise<DiscoveryResponder> {
  const listen = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    listen.once('error', reject);
    listen.bind(wsDiscoveryPort, () => resolve());
  });
  listen.addMembership(wsDiscoveryAddress, options.interfaceAddress);
  const senders = await Promise.all(options.devices.map((d) => bindSender(d.host)));
  const seen = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let probes = 0;
  listen.on('message', (msg, rinfo) => {
    const text = msg.toString('utf8');
    if (!/<(\w+:)?Probe[\s>]/.test(text)) return;
    const types = /<(?:\w+:)?Types(?:\s[^>]*)?>([^<]*)</.exec(text)?.[1] ?? '';
    if (types.trim() !== '' && !/NetworkVideoTransmitter|Device/.test(types)) return;
    probes += 1;
    const relatesTo = /<(?:\w+:)?MessageID(?:\s[^>]*)?>([^<]*)</.exec(text)?.[1]?.trim() ?? '';
    options.devices.forEach((device, i) => {
      const count = (seen.get(device.endpoint) ?? 0) + 1;
      seen.set(device.endpoint, count);
      if (count <= (device.missFirstProbes ?? 0)) return;
      const reply = Buffer.from(device.garbage ? '<not-soap>garbage' : probeMatches(device, relatesTo));
      const timer = setTimeout(() => {
        timers.delete(timer);
        senders[i]?.send(reply, rinfo.port, rinfo.address);
      }, Math.floor(Math.random() * (options.maxDelayMs ?? 300)));
      timers.add(timer);
    });
  });
  return {
    get probes() { return probes; },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([listen, ...senders].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

function bindSender(host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve(socket));
  });
}

function probeMatches(device: DiscoverableDevice, relatesTo: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="${ns.s}" xmlns:wsa="${ns.wsa}" xmlns:d="${ns.d}" xmlns:dn="${ns.dn}" xmlns:tds="${ns.tds}">
<SOAP-ENV:Header>
<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>
<wsa:RelatesTo>${x(relatesTo)}</wsa:RelatesTo>
<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>
<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>
<d:AppSequence InstanceId="1" MessageNumber="1"/>
</SOAP-ENV:Header>
<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>
<wsa:EndpointReference><wsa:Address>${x(device.endpoint)}</wsa:Address></wsa:EndpointReference>
<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
<d:Scopes>${x(device.scopes.join(' '))}</d:Scopes>
<d:XAddrs>${x(device.xaddrs.join(' '))}</d:XAddrs>
<d:MetadataVersion>1</d:MetadataVersion>
</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;
}
