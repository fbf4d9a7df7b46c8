/**
 * bench/daemon-cost: the daemon's own CPU (the node process, its threads, not its ffmpeg
 * children) while it records N cameras, split into the main thread and the others (libuv
 * pool, V8's GC helpers), under variants run back to back in one invocation:
 *
 *   npx tsx bench/daemon-cost.ts [--cameras 64] [--seconds 60] [--warmup 60] [--segment 10] [--variants seal,noseal] [--stall 15]
 *
 * Variants: `seal` (as shipped: SHA-256 at close), `noseal` (integrity.hashOnClose off and
 * no background verification: the recording core alone). `--stall S` sets the stall
 * timeout, and with it ffmpeg's heartbeat period (progressPeriodFor: 4 s → 1 s, 9 s → 3 s,
 * 15 s → 5 s). The test camera is pinned to CPU 1, the daemon and its ffmpegs to CPU 0.
 * Measured after every health card plus the warm-up: V8 compiles and collects on its
 * helper threads for about the first minute (0.0014 core at 1 camera), then they idle.
 */
import { parseArgs } from 'node:util';
import { progressPeriodFor } from '../src/recorder/ffmpeg-args.js';
import { measureTree, threadCpuNs } from './proc-stats.js';
import { pinCameraApart, startBenchCamera, startBenchDaemon } from './recorders.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '60' },
    segment: { type: 'string', default: '10' },
    variants: { type: 'string', default: 'seal,noseal' },
    stall: { type: 'string', default: '15' },
  },
});
const n = Number(values.cameras);
const windowS = Number(values.seconds);
const stallS = Number(values.stall);
const variantYaml: Record<string, string> = {
  seal: '',
  noseal: 'integrity:\n  hashOnClose: false\n  verifyBytesPerSecond: 0\n',
};

async function measure(url: string, variant: string) {
  const { d } = await startBenchDaemon(url, n, { segmentSeconds: Number(values.segment), stallTimeoutSeconds: stallS, extraYaml: variantYaml[variant] });
  await new Promise((r) => setTimeout(r, Number(values.warmup) * 1000));
  const pid = d.child.pid!;
  const before = threadCpuNs(pid);
  const fig = await measureTree(() => [pid], windowS);
  const after = threadCpuNs(pid);
  d.child.kill('SIGTERM');
  await d.exited;
  const cores = (ns: number) => (ns / 1e9 / windowS).toFixed(5);
  console.log(`| ${variant} | ${n} | ${progressPeriodFor(stallS * 1000)} s | ${(fig.coresByComm.node ?? 0).toFixed(5)} | ${cores(after.main - before.main)} | ${cores(after.others - before.others)} | ${(fig.coresByComm.ffmpeg ?? 0).toFixed(4)} | ${(fig.rootRssBytes / 1024 / 1024).toFixed(0)} MB |`);
}

const cam = await startBenchCamera();
pinCameraApart(cam.pid);
console.log(`# bench/daemon-cost: ${n} cameras at 1080p25 4 Mbit/s, ${values.segment} s segments, stall timeout ${stallS} s; ${windowS} s windows after ${values.warmup} s warm-up`);
console.log('| variant | cameras | heartbeat | node (cores) | main thread | other threads | its ffmpegs | daemon RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
try {
  for (const v of values.variants.split(',')) {
    if (!(v in variantYaml)) throw new Error(`unknown variant ${v}: seal or noseal`);
    await measure(cam.url, v);
  }
} finally {
  await cam.stop();
}
