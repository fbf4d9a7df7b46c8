/**
 * bench/still: latency of `still.jpg` through the real API (server in its own process,
 * loopback HTTP) on the clip bench's day of 1080p25 4 Mbit/s recordings (2 s GOP), at
 * random instants, so each still decodes from its GOP's keyframe up to t (on average
 * half a GOP, 25 frames). Baseline in the same run: the bare cost of starting ffmpeg and
 * encoding one tiny JPEG, which no still can go below. Target: 250 ms.
 *
 * Run: npx tsx bench/still.ts [count]
 */
import { spawn } from 'node:child_process';
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

function report(label: string, ms: number[]): void {
  console.log(`${label.padEnd(34)} p50 ${percentile(ms, 50).toFixed(0).padStart(4)} ms   p99 ${percentile(ms, 99).toFixed(0).padStart(4)} ms   max ${percentile(ms, 100).toFixed(0).padStart(4)} ms   (${ms.length})`);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  prepareBenchData(benchDir);
  const server = await startServer(benchDir);
  try {
    const at = () => dayMs + Math.floor(Math.random() * 86_000_000);
    const still = async (width?: string) => {
      const t = await timeGet(`${server.url}/api/v1/cameras/${camera}/still.jpg?at=${at()}${width ? `&width=${width}` : ''}`, server.token);
      if (t.status !== 200) throw new Error(`still answered ${t.status}`);
      return t.totalMs;
    };
    await still();
    const floor: number[] = [];
    const full: number[] = [];
    const thumb: number[] = [];
    for (let i = 0; i < count; i++) {
      floor.push(await ffmpegFloor());
      full.push(await still());
      thumb.push(await still('320'));
    }
    console.log(`stills over HTTP, random instants in a day of 1080p25 4 Mbit/s (2 s GOP), one at a time`);
    report('ffmpeg start + 1 tiny JPEG (floor)', floor);
    report('still.jpg 1920x1080', full);
    report('still.jpg width=320', thumb);
    console.log(`ratio p50 still/floor: ${(percentile(full, 50) / percentile(floor, 50)).toFixed(1)}; target p50/p99 <= 250 ms`);
  } finally {
    server.stop();
  }
}

void main();
