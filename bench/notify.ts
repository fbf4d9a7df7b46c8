/**
 * bench/notify: the CPU one systemd notification costs, sent through the perl relay (as
 * shipped) and through a systemd-notify process per message (the fallback, and how every
 * message was sent before). A real AF_UNIX datagram socket stands in for systemd
 * (test/helpers/notify-socket.ts).
 *
 *   npx tsx bench/notify.ts [--messages 200]
 *
 * Prints, per message: the daemon side (this process, process.cpuUsage) and the helper
 * side (the relay's threads by schedstat; the systemd-notify children, reaped, by
 * /proc/self/stat's cutime + cstime in 10 ms ticks: fine over a few hundred spawns), and
 * what WATCHDOG=1 every 10 s costs a box in cores.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { notifierFromEnv, type Notifier } from '../src/system/notify.js';
import { startNotifySocket, type NotifySocket } from '../test/helpers/notify-socket.js';
import { threadCpuNs, ticksPerSecond } from './proc-stats.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '200' } } });
const messages = Number(values.messages);

const selfCpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
function reapedChildrenUs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[13]) + Number(fields[14])) / ticksPerSecond) * 1e6; // cutime, cstime
}

async function measure(sock: NotifySocket, n: Notifier, helperUs: () => number): Promise<{ daemonUs: number; helperUs: number }> {
  await n.notify({ READY: '1' }); // starts the relay, if there is one
  const before = sock.messages().length;
  const self0 = selfCpuUs();
  const helper0 = helperUs();
  for (let i = 0; i < messages; i++) await n.notify({ WATCHDOG: '1' });
  const daemonUs = (selfCpuUs() - self0) / messages;
  const helper = (helperUs() - helper0) / messages;
  await sock.waitFor(`${messages} messages`, () => sock.messages().length >= before + messages, 30_000);
  return { daemonUs, helperUs: helper };
}

const sock = await startNotifySocket();
try {
  const env = () => ({ ...process.env, NOTIFY_SOCKET: sock.path });
  const relayed = notifierFromEnv({ spawner: systemSpawner, log: silentLogger(), env: env() });
  await relayed.notify({ STATUS: 'start' });
  const relayPid = (await sock.waitFor('the relay', (m) => m.fields['STATUS'] === 'start')).pid;
  const relayCpuUs = () => { const t = threadCpuNs(relayPid); return (t.main + t.others) / 1000; };
  const viaRelay = await measure(sock, relayed, relayCpuUs);
  const spawned = notifierFromEnv({ spawner: systemSpawner, log: silentLogger(), env: env(), perl: '/nonexistent/perl' });
  const viaSpawn = await measure(sock, spawned, reapedChildrenUs);
  const row = (name: string, m: { daemonUs: number; helperUs: number }) => {
    const totalUs = m.daemonUs + m.helperUs;
    console.log(`${name.padEnd(28)} daemon ${m.daemonUs.toFixed(0).padStart(6)} µs  helper ${m.helperUs.toFixed(0).padStart(6)} µs  total ${totalUs.toFixed(0).padStart(6)} µs/message  WATCHDOG every 10 s: ${(totalUs / 1e6 / 10).toFixed(5)} core`);
  };
  console.log(`${messages} WATCHDOG=1 messages each way, sent one after the other`);
  row('perl relay (shipped)', viaRelay);
  row('systemd-notify per message', viaSpawn);
  process.kill(relayPid, 'SIGTERM');
} finally {
  await sock.close();
}
