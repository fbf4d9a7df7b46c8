/**
 * bench/retention-deletion: how fast retention deletes footage, against a bare unlink loop
 * over the same number of files of the same size on the same file system, in one run.
 *
 *   npx tsx bench/retention-deletion.ts [--files 3000] [--size-kb 256]
 *
 * Retention's cost is the crash-safe order: rows move to garbage in one transaction per
 * batch of 500, each file is unlinked, the garbage rows are dropped in one transaction.
 * Runs on a loop-mounted ext4 image when root (as on the box), else in the temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { statfsDisk } from '../src/retention/disk.js';
import { Retention } from '../src/retention/retention.js';
import { openStore } from '../src/store/db.js';
import { seedRun } from '../test/helpers/footage.js';
import { mountSmallDisk, smallDiskUnavailable } from '../test/helpers/small-disk.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '3000' }, 'size-kb': { type: 'string', default: '256' } } });
const files = Number(values.files);
const sizeBytes = Number(values['size-kb']) * 1024;
const dayMs = 86_400_000;
const t0 = Date.UTC(2026, 0, 1);

function bareUnlinks(dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  const data = Buffer.alloc(sizeBytes, 0x47);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(dir, `f${i}.mp4`), data);
  const started = performance.now();
  for (let i = 0; i < files; i++) fs.unlinkSync(path.join(dir, `f${i}.mp4`));
  return performance.now() - started;
}

async function retentionPass(dir: string): Promise<number> {
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  const clock = new ManualClock(t0 + 40 * dayMs);
  const recordingsDir = path.join(dir, 'recordings');
  seedRun({ store, recordingsDir, clock, cameraId: 'gate', startMs: t0, count: files, segmentMs: 1000, sizeBytes });
  const retention = new Retention({
    store, recordingsDir, reserveFile: path.join(dir, 'reserve.bin'), disk: statfsDisk(recordingsDir), clock, log: silentLogger(),
    cameras: () => [{ id: 'gate', enabled: true }],
    settings: { maxAgeDays: 30, minFreeFraction: 0.01, minFreeMinutes: 0, highWater: 0.02, warnHoursLeft: 0, checkIntervalMs: 1000 },
  });
  const started = performance.now();
  await retention.tick();
  const ms = performance.now() - started;
  const left = store.segments.filesOfCamera('gate').length;
  store.close();
  if (left !== 0) throw new Error(`${left} segments left after the pass`);
  return ms;
}

async function main(): Promise<void> {
  const why = smallDiskUnavailable();
  const neededMb = Math.ceil((files * sizeBytes * 1.2) / 1e6) + 64;
  const disk = why ? null : mountSmallDisk(neededMb);
  const root = disk?.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-bench-del-'));
  try {
    console.log(`files=${files} size=${sizeBytes / 1024} KiB on ${disk ? `a ${neededMb} MB loop-mounted ext4` : `${root} (${why})`}`);
    const bareMs = bareUnlinks(path.join(root, 'bare'));
    const retentionMs = await retentionPass(path.join(root, 'ret'));
    const rate = (ms: number) => Math.round((files / ms) * 1000);
    console.log(`bare unlink loop:         ${bareMs.toFixed(0)} ms  ${rate(bareMs)} files/s`);
    console.log(`retention (garbage, unlink, drop): ${retentionMs.toFixed(0)} ms  ${rate(retentionMs)} files/s`);
    console.log(`ratio retention/bare time: ${(retentionMs / bareMs).toFixed(2)}`);
  } finally {
    if (disk) disk.cleanup();
    else fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
