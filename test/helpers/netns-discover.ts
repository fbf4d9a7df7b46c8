/**
 * The NVR side of the namespace tests, run as `ip netns exec <box> node netns-discover.js
 * '<json>'`: the real discovery module and ONVIF client, inside the box's namespace.
 * Prints one line `RESULT <json>` and exits.
 *   {mode: 'scan', settings}                 → {ms, interfaces, devices}
 *   {mode: 'default-probe', listenMs}        → {matches}  (what a probe without an interface finds)
 *   {mode: 'describe', host, port, username, password} → {description}
 */
import { silentLogger } from '../../src/core/logger.js';
import { systemInterfaces } from '../../src/discovery/interfaces.js';
import { OnvifLibClient } from '../../src/discovery/onvif-lib-client.js';
import { DiscoveryService, type DiscoverySettings } from '../../src/discovery/scan.js';

type Job =
  | { mode: 'scan'; settings: DiscoverySettings }
  | { mode: 'default-probe'; listenMs: number }
  | { mode: 'describe'; host: string; port: number; username: string; password: string };

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const client = new OnvifLibClient();

async function run(): Promise<unknown> {
  if (job.mode === 'scan') {
    const service = new DiscoveryService({ client, interfaces: systemInterfaces, settings: job.settings, log: silentLogger() });
    const started = Date.now();
    const devices = await service.scan();
    return { ms: Date.now() - started, interfaces: service.probeInterfaces(), devices };
  }
  if (job.mode === 'default-probe') return { matches: await client.probe({ device: '', timeoutMs: job.listenMs }) };
  return { description: await client.describe({ host: job.host, port: job.port }, { username: job.username, password: job.password }, 5000) };
}

run().then(
  (result) => { process.stdout.write(`RESULT ${JSON.stringify(result)}\n`); process.exit(0); },
  (err: unknown) => { process.stdout.write(`RESULT ${JSON.stringify({ error: (err as Error).message, failure: (err as { failure?: string }).failure ?? null })}\n`); process.exit(0); },
);
