/**
 * bench/recorder-ab: two groups of N bare recorders (the daemon's command line, no daemon),
 * measured over the same windows, group B with one of the daemon's differences applied.
 * It finds what makes the daemon's ffmpegs cost more than bare ones:
 *
 *   npx tsx bench/recorder-ab.ts [--cameras 64] [--treatment none|setsid|watch|env] [--rounds 2] [--seconds 45]
 *
 * - none: the control; B connects second, which alone costs it a few percent here.
 * - setsid: B in a session per ffmpeg (node's `detached`), as the recorders once were.
 * - watch: B's folders under an inotify watch (fs.watch), as the recordings watcher does.
 * - env: B with the daemon's environment for ffmpeg (TZ=UTC, AV_LOG_FORCE_NOCOLOR=1).
 * The test camera is pinned to CPU 1, both groups to CPU 0.
 */
import type { ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { parseArgs } from 'node:util';
import { tempDir } from '../test/helpers/daemon.js';
import { measureTree } from './proc-stats.js';
import { pinCameraApart, startBareRecorders, startBenchCamera, stopAll } from './recorders.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '64' },
    treatment: { type: 'string', default: 'none' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '45' },
  },
});
const n = Number(values.cameras);
const treatment = values.treatment;
if (!['none', 'setsid', 'watch', 'env'].includes(treatment)) throw new Error(`unknown treatment ${treatment}`);
const watchers: FSWatcher[] = [];

function startGroup(url: string, treated: boolean): ChildProcess[] {
  const treat = (t: string) => treated && treatment === t;
  return startBareRecorders(url, n, tempDir(`nvr-bench-ab-${treated ? 'b' : 'a'}-`), {
    segmentSeconds: 10,
    ...(treat('env') ? { env: { ...process.env, TZ: 'UTC', AV_LOG_FORCE_NOCOLOR: '1' } } : {}),
    detached: treat('setsid'),
    ...(treat('watch') ? { onFolder: (dir: string) => { watchers.push(watch(dir, () => undefined)); } } : {}),
  });
}

const cam = await startBenchCamera();
pinCameraApart(cam.pid);
const a = startGroup(cam.url, false);
const b = startGroup(cam.url, true);
console.log(`# bench/recorder-ab: 2 x ${n} recorders of 1080p25 4 Mbit/s, treatment on B: ${treatment}`);
console.log('| round | A (cores) | B (cores) | B / A |');
console.log('| --- | --- | --- | --- |');
try {
  await new Promise((r) => setTimeout(r, 20_000));
  for (let round = 1; round <= Number(values.rounds); round++) {
    const pids = (g: ChildProcess[]) => () => g.map((c) => c.pid!).filter(Boolean);
    const [fa, fb] = await Promise.all([measureTree(pids(a), Number(values.seconds)), measureTree(pids(b), Number(values.seconds))]);
    console.log(`| ${round} | ${fa.cores.toFixed(3)} | ${fb.cores.toFixed(3)} | ${(fb.cores / fa.cores).toFixed(3)} |`);
  }
} finally {
  for (const w of watchers) w.close();
  await stopAll([...a, ...b]);
  await cam.stop();
}
