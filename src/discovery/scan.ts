/**
 * Finding cameras. A WS-Discovery probe goes out through EVERY IPv4 interface of the box
 * (on a multi-NIC box a probe left to the default route never reaches the camera LAN),
 * in a few rounds (cameras miss single probes, agsh/onvif#100), all de-duplicated by
 * endpoint reference. Each device is then asked for its device information without
 * credentials (many cheap cameras answer); otherwise its WS-Discovery scopes (name,
 * hardware) stand in. Manual checks by address cover networks that drop multicast.
 */
import type { Logger } from '../core/logger.js';
import type { BoxInterface, InterfaceLister } from './interfaces.js';
import { mapLimit } from './limit.js';
import { OnvifError, type DeviceInformation, type FoundDevice, type OnvifClient, type ProbeMatch } from './types.js';

export interface DiscoverySettings {
  readonly probeRounds: number;
  readonly probeIntervalMs: number;
  readonly listenMs: number;
  readonly includeLoopback: boolean;
  /** Only these interface names; empty means every IPv4 interface. */
  readonly interfaces: readonly string[];
  readonly requestTimeoutMs: number;
}

export interface DiscoveryDeps {
  readonly client: OnvifClient;
  readonly interfaces: InterfaceLister;
  readonly settings: DiscoverySettings;
  readonly log: Logger;
}

interface Sighting { match: ProbeMatch; interfaces: Set<string> }

const enrichConcurrency = 16;

export class DiscoveryService {
  private running: Promise<FoundDevice[]> | null = null;

  constructor(private readonly deps: DiscoveryDeps) {}

  /** One scan at a time: a second caller shares the scan in flight. */
  scan(): Promise<FoundDevice[]> {
    this.running ??= this.scanNow().finally(() => { this.running = null; });
    return this.running;
  }

  /** The interfaces a scan probes through. */
  probeInterfaces(): BoxInterface[] {
    const { includeLoopback, interfaces } = this.deps.settings;
    return this.deps.interfaces()
      .filter((i) => includeLoopback || !i.internal)
      .filter((i) => interfaces.length === 0 || interfaces.includes(i.name));
  }

  /** Is there an ONVIF device at host:port? Clock (anonymous) first, then what it tells anonymously. */
  async checkAddress(host: string, port: number, path = '/onvif/device_service'): Promise<FoundDevice> {
    const timeoutMs = this.deps.settings.requestTimeoutMs;
    const clock = await this.deps.client.readClock({ host, port, path }, timeoutMs);
    const info = await this.anonymousInfo({ host, port, path });
    return {
      address: host, port, serviceUrl: `http://${hostForUrl(host)}:${port}${path}`, endpoint: null,
      ...fields(info, []), interfaces: [], clockOffsetMs: clock.offsetMs,
    };
  }

  private async scanNow(): Promise<FoundDevice[]> {
    const { probeRounds, probeIntervalMs, listenMs } = this.deps.settings;
    const interfaces = this.probeInterfaces();
    const seen = new Map<string, Sighting>();
    const startedMs = Date.now();
    const rounds = Array.from({ length: probeRounds }, async (_, round) => {
      if (round > 0) await sleep(round * probeIntervalMs);
      await Promise.all(interfaces.map(async (iface) => {
        const matches = await this.deps.client.probe({ device: iface.name, timeoutMs: listenMs }).catch((err: unknown) => {
          this.deps.log.warn({ iface: iface.name, err: (err as Error).message }, 'discovery probe failed');
          return [] as ProbeMatch[];
        });
        for (const match of matches) {
          const known = seen.get(match.endpoint) ?? { match, interfaces: new Set<string>() };
          known.interfaces.add(iface.name);
          seen.set(match.endpoint, known);
        }
      }));
    });
    await Promise.all(rounds);
    const devices = (await mapLimit([...seen.values()], enrichConcurrency, (s) => this.describe(s))).flat();
    this.deps.log.info({ interfaces: interfaces.map((i) => i.name), devices: devices.length, ms: Date.now() - startedMs }, 'discovery scan done');
    return devices.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }) || a.port - b.port);
  }

  private async describe(s: Sighting): Promise<FoundDevice[]> {
    const url = pickXaddr(s.match.xaddrs);
    if (!url) return [];
    const port = url.port === '' ? 80 : Number(url.port);
    const info = await this.anonymousInfo({ host: url.hostname, port, path: url.pathname });
    return [{
      address: url.hostname, port, serviceUrl: url.href, endpoint: s.match.endpoint,
      ...fields(info, s.match.scopes), interfaces: [...s.interfaces].sort(), clockOffsetMs: null,
    }];
  }

  private async anonymousInfo(target: { host: string; port: number; path: string }): Promise<DeviceInformation | null> {
    try {
      return await this.deps.client.deviceInformation(target, null, this.deps.settings.requestTimeoutMs);
    } catch (err) {
      // 'auth' is the normal answer of a camera that keeps its details for logged-in users.
      if (!(err instanceof OnvifError && err.failure === 'auth')) {
        this.deps.log.debug({ host: target.host, port: target.port, err: (err as Error).message }, 'anonymous device information failed');
      }
      return null;
    }
  }
}

/** Device information where the camera gave it, else what its scopes say. */
function fields(info: DeviceInformation | null, scopes: readonly string[]) {
  return {
    manufacturer: info?.manufacturer ?? scope(scopes, ['mfr', 'manufacturer', 'name']),
    model: info?.model ?? scope(scopes, ['hardware', 'model']),
    serial: info?.serialNumber ?? null,
    hardwareId: info?.hardwareId ?? null,
  };
}

/** The value of the first `onvif://www.onvif.org/<key>/<value>` scope among the keys, in key order. */
export function scope(scopes: readonly string[], keys: readonly string[]): string | null {
  for (const key of keys) {
    const prefix = `onvif://www.onvif.org/${key}/`;
    const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
    if (hit !== undefined) {
      const raw = hit.slice(prefix.length);
      try { return decodeURIComponent(raw) || null; } catch { return raw || null; }
    }
  }
  return null;
}

/** The first http(s) XAddr with an IPv4 host (a camera lists IPv6 and link-local ones too). */
function pickXaddr(xaddrs: readonly string[]): URL | null {
  const urls = xaddrs.flatMap((x) => { try { return [new URL(x)]; } catch { return []; } });
  return urls.find((u) => /^\d+\.\d+\.\d+\.\d+$/.test(u.hostname)) ?? urls[0] ?? null;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
