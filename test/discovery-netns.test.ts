/**
 * Discovery for real, in network namespaces this test creates: a box with two NICs
 * (lan1 carries the default route to the office LAN, lan2 leads to the camera LAN), ONVIF
 * simulators (SOAP + WS-Discovery) on both LANs, and the real discovery module running
 * inside the box's namespace. Root only; removed in afterAll whatever happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoverySettings } from '../src/discovery/scan.js';
import type { FoundDevice, ProbeMatch } from '../src/discovery/types.js';
import { compileEntries, compiledPath } from './helpers/compile-entries.js';
import { NetnsLab, netnsUnavailable } from './helpers/netns.js';

const unavailable = netnsUnavailable();
const simEntry = 'test/helpers/onvif-sim/main.ts';
const nvrEntry = 'test/helpers/netns-discover.ts';

const settings: DiscoverySettings = {
  probeRounds: 3, probeIntervalMs: 600, listenMs: 1500, includeLoopback: false, interfaces: [], requestTimeoutMs: 3000,
};

describe.skipIf(unavailable !== null)(`discovery across two NICs${unavailable ? ` (${unavailable})` : ''}`, () => {
  let lab: NetnsLab;
  let out: string;

  const runNvr = async (job: object): Promise<Record<string, unknown>> => {
    const p = lab.spawnIn('box', process.execPath, [compiledPath(out, nvrEntry), JSON.stringify(job)]);
    return JSON.parse(await p.line('RESULT ', 30_000)) as Record<string, unknown>;
  };

  beforeAll(async () => {
    lab = new NetnsLab();
    out = compileEntries([simEntry, nvrEntry]);
    for (const role of ['box', 'office', 'cam']) lab.addNamespace(role);
    lab.link({ role: 'box', ifname: 'lan1', cidr: '10.66.0.1/24' }, { role: 'office', ifname: 'eth0', cidr: '10.66.0.2/24' });
    lab.link({ role: 'box', ifname: 'lan2', cidr: '10.77.0.1/24' }, { role: 'cam', ifname: 'eth0', cidr: '10.77.0.2/24' });
    lab.ip('box', 'route', 'add', 'default', 'via', '10.66.0.2');
    for (const host of ['10.77.0.3', '10.77.0.4', '10.77.0.5']) lab.addAddress('cam', 'eth0', `${host}/24`);
    const camLan = lab.spawnIn('cam', process.execPath, [compiledPath(out, simEntry), JSON.stringify({
      interfaceAddress: '10.77.0.2',
      devices: [
        { host: '10.77.0.2', port: 80, anonymousDeviceInfo: true, info: { manufacturer: 'Hikvision', model: 'DS-2CD1023', serialNumber: 'DS0001' } },
        { host: '10.77.0.3', port: 80, info: { manufacturer: 'Dahua', model: 'IPC-HFW1230' } },
        { host: '10.77.0.4', port: 8000, missFirstProbes: 1, info: { manufacturer: 'Kbvision', model: 'KX-2011' } },
        { host: '10.77.0.5', port: 80, garbageDiscovery: true },
      ],
    })]);
    const office = lab.spawnIn('office', process.execPath, [compiledPath(out, simEntry), JSON.stringify({
      interfaceAddress: '10.66.0.2',
      devices: [{ host: '10.66.0.2', port: 80, anonymousDeviceInfo: true, info: { manufacturer: 'Imou', model: 'IPC-A22' } }],
    })]);
    await Promise.all([camLan.line('READY '), office.line('READY ')]);
  }, 90_000);

  afterAll(async () => {
    await lab?.cleanup();
  });

  it('a probe left to the default route misses the camera LAN (why we probe every NIC)', async () => {
    const { matches } = await runNvr({ mode: 'default-probe', listenMs: 1500 }) as { matches: ProbeMatch[] };
    expect(matches.map((m) => m.xaddrs[0])).toEqual(['http://10.66.0.2:80/onvif/device_service']);
  });

  // Runs before the full scan: 10.77.0.4 ignores the first probe it ever receives.
  it('a single probe round misses the camera that ignores the first probe (why we repeat)', async () => {
    const { devices } = await runNvr({ mode: 'scan', settings: { ...settings, probeRounds: 1 } }) as { devices: FoundDevice[] };
    expect(devices.map((d) => d.address)).not.toContain('10.77.0.4');
    expect(devices.map((d) => d.address)).toContain('10.77.0.3');
  }, 30_000);

  it('a scan finds every camera on both LANs within 10 s, with who answered on which NIC', async () => {
    const { ms, devices, interfaces } = await runNvr({ mode: 'scan', settings }) as { ms: number; devices: FoundDevice[]; interfaces: { name: string }[] };
    expect(interfaces.map((i) => i.name).sort()).toEqual(['lan1', 'lan2']);
    expect(ms).toBeLessThan(10_000);
    const brief = devices.map((d) => [d.address, d.port, d.manufacturer, d.model, d.serial, d.interfaces.join(',')]);
    expect(brief).toEqual([
      ['10.66.0.2', 80, 'Imou', 'IPC-A22', expect.stringMatching(/^SN/), 'lan1'],
      ['10.77.0.2', 80, 'Hikvision', 'DS-2CD1023', 'DS0001', 'lan2'], // anonymous device information
      ['10.77.0.3', 80, 'Dahua', 'IPC-HFW1230', null, 'lan2'], // from its scopes: details need a login
      ['10.77.0.4', 8000, 'Kbvision', 'KX-2011', null, 'lan2'], // missed the first probe
    ]);
    expect(devices.every((d) => d.endpoint?.startsWith('urn:uuid:') && d.serviceUrl.endsWith('/onvif/device_service'))).toBe(true);
  }, 30_000);

  it('onboarding reads profiles and stream URIs from the camera behind the second NIC', async () => {
    const { description } = await runNvr({ mode: 'describe', host: '10.77.0.3', port: 80, username: 'admin', password: 'cam-pass-1' }) as {
      description: { info: { manufacturer: string }; main: { streamUri: string }; sub: { streamUri: string } };
    };
    expect(description.info.manufacturer).toBe('Dahua');
    expect(description.main.streamUri).toBe('rtsp://10.77.0.3:554/main');
    expect(description.sub.streamUri).toBe('rtsp://10.77.0.3:554/sub');
  }, 30_000);
});
