/**
 * bench/still: latency of `still.jpg` through the real API (server in its own process,
 * loopback HTTP) on the clip bench's day of 1080p25 4 Mbit/s recordings (2 s GOP), at
 * random instants, so each still decodes from its GOP's keyframe up to t (on average
 * half a GOP, 25 frames). Target: 250 ms.
 *
 * Same run, same instants' distribution, one request at a time with a short pause (the
 * warm path's replacement process starts in the background, as in the daemon):
 * - the bare cost of starting ffmpeg and encoding one tiny JPEG (the spawn path's floor);
 * - HTTP, the daemon's defaults: full size, and width=320 (warm after its first request);
 * - the StillService in this process, per path: spawn (a new ffmpeg per still) and warm
 *   with 1 and 2 decoder threads, full size, so the paths compare without HTTP;
 * - the thumbnail option not taken: a warm full-size still, then a new ffmpeg scaling
 *   that JPEG to width 320 (the service keeps warm processes per width instead).
 *
 * Run: npx tsx bench/still.ts [count]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { RecordingsService } from '../src/clips/recordings.js';
import { StillService } from '../src/clips/stills.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { openStore } from '../src/store/db.js';
import { benchDir, camera, dayMs, percentile, prepareBenchData, startServer, timeGet } from './clip.js';

function ffmpegFloor(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=size=16x16', '-frames:v', '1', '-f', 'mjpeg', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

/** A new ffmpeg that scales a JPEG to `width` (what a thumbnail from a full-size still would cost). */
function scaleJpeg(jpeg: Buffer, width: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-vf', `scale=${width}:-2`, '-c:v', 'mjpeg', '-q:v', '3', '-f', 'mjpeg', 'pipe:1'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks)));
    child.stdin.end(jpeg);
  });
}

function report(label: string, ms: number[]): void {
  console.log(`${label.padEnd(48)} p50 ${percentile(ms, 50).toFixed(0).padStart(4)} ms   p99 ${percentile(ms, 99).toFixed(0).padStart(4)} ms   max ${percentile(ms, 100).toFixed(0).padStart(4)} ms   (${ms.length})`);
}

const pause = () => new Promise((r) => setTimeout(r, 150));
const at = () => dayMs + Math.floor(Math.random() * 86_000_000);

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  prepareBenchData(benchDir);
  const server = await startServer(benchDir);
  const store = openStore({ path: path.join(benchDir, 'index.sqlite'), log: silentLogger() });
  const service = (warmProcesses: number, warmThreads?: number) => new StillService({
    recordings: new RecordingsService({ store }), recordingsDir: path.join(benchDir, 'recordings'), spawner: systemSpawner,
    ffmpegPath: 'ffmpeg', log: silentLogger(), warmProcesses, warmThreads,
  });
  const services = { spawn: service(0), warm1: service(2, 1), warm2: service(2, 2) };
  const rows: Record<string, number[]> = { floor: [], full: [], thumb: [], spawn: [], warm1: [], warm2: [], rescale: [] };
  const http = async (width?: string) => {
    const t = await timeGet(`${server.url}/api/v1/cameras/${camera}/still.jpg?at=${at()}${width ? `&width=${width}` : ''}`, server.token);
    if (t.status !== 200) throw new Error(`still answered ${t.status}`);
    return t.totalMs;
  };
  const direct = async (s: StillService) => {
    const t0 = performance.now();
    const still = await s.still(camera, at());
    if (still.jpeg.length < 1000) throw new Error('no still');
    return performance.now() - t0;
  };
  try {
    // Warm-up: start the server's warm processes (full size and width 320) and ours.
    await http();
    await http('320');
    for (const s of Object.values(services)) s.start();
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < count; i++) {
      rows.floor!.push(await ffmpegFloor());
      await pause();
      rows.full!.push(await http());
      await pause();
      rows.thumb!.push(await http('320'));
      for (const [name, s] of Object.entries(services)) {
        await pause();
        rows[name]!.push(await direct(s));
      }
      await pause();
      const t0 = performance.now();
      if ((await scaleJpeg((await services.warm1.still(camera, at())).jpeg, 320)).length < 500) throw new Error('no thumbnail');
      rows.rescale!.push(performance.now() - t0);
    }
    console.log(`stills at random instants in a day of 1080p25 4 Mbit/s (2 s GOP), one at a time`);
    report('ffmpeg start + 1 tiny JPEG (floor)', rows.floor!);
    report('HTTP still.jpg 1920x1080 (defaults)', rows.full!);
    report('HTTP still.jpg width=320 (defaults)', rows.thumb!);
    report('service, spawn path, 1920x1080', rows.spawn!);
    report('service, warm path -threads 1, 1920x1080', rows.warm1!);
    report('service, warm path -threads 2, 1920x1080', rows.warm2!);
    report('service, warm full + new ffmpeg scaling to 320', rows.rescale!);
    const p50 = (name: string) => percentile(rows[name]!, 50);
    console.log(`p50 ratios: warm(1 thread)/spawn ${(p50('warm1') / p50('spawn')).toFixed(2)}, HTTP full/floor ${(p50('full') / p50('floor')).toFixed(2)}; target p50/p99 <= 250 ms`);
  } finally {
    await Promise.all(Object.values(services).map((s) => s.close()));
    store.close();
    server.stop();
  }
}

void main();
