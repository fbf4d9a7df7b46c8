/**
 * bench/discovery: how long a full camera scan takes for 16 and 64 simulated ONVIF
 * devices, against a 1-device scan in the same run (the baseline: the fixed cost of the
 * probe rounds and listen windows), in network namespaces made for the run (root only):
 * the box has two NICs, the default route on lan1 and every camera behind lan2, each
 * device on its own address with its own SOAP server and WS-Discovery replies.
 *
 *   npx tsx bench/discovery.ts [--runs 3] [--sizes 1,16,64]
 *
 * Prints per size: scan wall time (min / median / max over the runs), devices found of
 * those simulated, and the ratio to the 1-device median. Default discovery settings
 * (3 probe rounds 700 ms apart, 2000 ms listen, anonymous GetDeviceInformation per device).
 */
import { parseArgs } from 'node:util';
import type { DiscoverySettings } from '../src/discovery/scan.js';
import { compileEntries, compiledPath } from '../test/helpers/compile-entries.js';
import { NetnsLab, netnsUnavailable } from '../test/helpers/netns.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, sizes: { type: 'string', default: '1,16,64' } } });
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);
const settings: DiscoverySettings = { probeRounds: 3, probeIntervalMs: 700, listenMs: 2000, includeLoopback: false, interfaces: [], requestTimeoutMs: 5000 };
const simEntry = 'test/helpers/onvif-sim/main.ts';
const nvrEntry = 'test/helpers/netns-discover.ts';

const why = netnsUnavailable();
if (why) {
  console.error(`bench/discovery: ${why}`);
  process.exit(2);
}

const lab = new NetnsLab();
try {
  const out = compileEntries([simEntry, nvrEntry]);
  for (const role of ['box', 'office', 'cam']) lab.addNamespace(role);
  lab.link({ role: 'box', ifname: 'lan1', cidr: '10.66.0.1/24' }, { role: 'office', ifname: 'eth0', cidr: '10.66.0.2/24' });
  lab.link({ role: 'box', ifname: 'lan2', cidr: '10.77.0.1/16' }, { role: 'cam', ifname: 'eth0', cidr: '10.77.0.2/16' });
  lab.ip('box', 'route', 'add', 'default', 'via', '10.66.0.2');
  const maxSize = Math.max(...sizes);
  for (let i = 0; i < maxSize; i++) lab.addAddress('cam', 'eth0', `${deviceHost(i)}/16`);

  const medians = new Map<number, number>();
  console.log(`node ${process.version}, ${runs} runs per size, settings ${JSON.stringify(settings)}`);
  for (const size of sizes) {
    const sim = lab.spawnIn('cam', process.execPath, [compiledPath(out, simEntry), JSON.stringify({
      interfaceAddress: '10.77.0.2',
      devices: Array.from({ length: size }, (_, i) => ({ host: deviceHost(i), port: 80, anonymousDeviceInfo: i % 2 === 0, info: { manufacturer: `Brand${i % 5}`, model: `M-${i}` } })),
    })]);
    await sim.line('READY ', 60_000);
    const times: number[] = [];
    const found: number[] = [];
    for (let r = 0; r < runs; r++) {
      const nvr = lab.spawnIn('box', process.execPath, [compiledPath(out, nvrEntry), JSON.stringify({ mode: 'scan', settings })]);
      const result = JSON.parse(await nvr.line('RESULT ', 60_000)) as { ms: number; devices: { address: string }[] };
      times.push(result.ms);
      found.push(result.devices.length);
    }
    sim.child.stdin?.end();
    await sim.exited;
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    medians.set(size, median);
    const base = medians.get(sizes[0]!) ?? median;
    console.log(`${String(size).padStart(3)} devices: scan ${sorted[0]} / ${median} / ${sorted.at(-1)} ms (min/median/max), found ${found.join(',')} of ${size}, ratio to ${sizes[0]}-device median ${(median / base).toFixed(2)}`);
  }
} finally {
  await lab.cleanup();
}

function deviceHost(i: number): string {
  return `10.77.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`;
}
