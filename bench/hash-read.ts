/**
 * bench/hash-read: CPU per GB of hashing a segment-sized file that is in the page cache,
 * by the two read paths of src/integrity/hasher.ts (through the thread pool; in place,
 * a chunk per event-loop turn), against SHA-256 of bytes already in memory (the floor).
 *
 *   npx tsx bench/hash-read.ts [--mb 5] [--rounds 200] [--chunks-kb 1024]
 *
 * `--chunks-kb 64,256,1024` compares read sizes for the in-place path: the copy from the
 * page cache and the hash that follows it both stay in this CPU's L2 (1 MiB per core) only
 * when a chunk is well under it.
 * CPU is process.cpuUsage() (every thread of this process), so the pool's work counts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hashFile } from '../src/integrity/hasher.js';
import { tempDir } from '../test/helpers/daemon.js';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '5' }, rounds: { type: 'string', default: '200' }, 'chunks-kb': { type: 'string', default: '1024' } } });
const chunksKb = values['chunks-kb'].split(',').map(Number);
const bytes = Number(values.mb) * 1024 * 1024;
const rounds = Number(values.rounds);
const file = path.join(tempDir('nvr-bench-hash-'), 'segment.mp4');
const data = randomBytes(bytes);
writeFileSync(file, data);
const buffers = new Map(chunksKb.map((kb) => [kb, Buffer.allocUnsafe(kb * 1024)]));
const buffer = buffers.get(chunksKb[0]!)!;

async function cpuMsPerGb(run: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 5; i++) await run(); // warm the page cache and the JIT
  const c0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / ((rounds * bytes) / 1e9);
}

console.log(`# bench/hash-read: a ${values.mb} MB file in the page cache, hashed ${rounds} times per path; chunks of ${chunksKb.join(', ')} KiB`);
console.log('| path | CPU ms per GB | GB/s of one core |');
console.log('| --- | --- | --- |');
for (let pass = 0; pass < 2; pass++) {
  const rows: [string, number][] = [
    ['SHA-256 of bytes in memory (floor)', await cpuMsPerGb(() => createHash('sha256').update(data).digest())],
    [`through the thread pool (catch-up, re-checks), ${chunksKb[0]} KiB`, await cpuMsPerGb(() => hashFile(file, { buffer }))],
  ];
  for (const [kb, buf] of buffers) rows.push([`in place (seal at close), ${kb} KiB`, await cpuMsPerGb(() => hashFile(file, { buffer: buf, inPageCache: true }))]);
  // The first pass warms up; the second is printed.
  if (pass === 1) for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(0)} | ${(1000 / ms).toFixed(2)} |`);
}
