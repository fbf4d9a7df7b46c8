/**
 * bench/clip: time to first byte and total time of clips served by the real API over a
 * real loopback port, against `cat` of the same segment files in the same run.
 *
 * Data (made once, kept in BENCH_DIR, default /tmp/nvr-bench-clip): one 60 s segment of a
 * 4 Mbit/s 1080p25 camera (libx264, 2 s GOP, CBR) written by ffmpeg's segment muxer with
 * the recorder's fMP4 flags, hard-linked 1440 times as one day of recordings and indexed
 * through the real Indexer and store. Hard links keep the day at 30 MB of disk; both the
 * clips and `cat` read the same warm page cache, so the comparison is CPU and copy cost.
 *
 * The server runs in its own process (as the daemon does); the client and `cat`'s reader
 * here count bytes as they arrive. Run: npx tsx bench/clip.ts [runs]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildApp } from '../src/api/app.js';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { createAuth } from '../src/auth/index.js';
import { createFootageServices } from '../src/clips/footage.js';
import { RecordingsService } from '../src/clips/recordings.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import { makeRunKey, runFolder } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore } from '../src/store/db.js';
import { tree } from './proc-stats.js';

export const benchDir = process.env['BENCH_DIR'] ?? '/tmp/nvr-bench-clip';
export const camera = 'bench';
/** Midnight UTC of the recorded day; segment n covers [day + n min, day + n + 1 min). */
export const dayMs = Date.UTC(2026, 10, 27);
const segments = 1440;

/** Generate the day once (the encode takes about a minute on 2 cores). */
export function prepareBenchData(dir = benchDir): void {
  const ready = path.join(dir, 'ready');
  if (existsSync(ready)) return;
  const source = path.join(dir, 'source-%06d.mp4');
  mkdirSync(dir, { recursive: true });
  console.log('encoding one 60 s segment, 1080p25 at 4 Mbit/s (once)...');
  const enc = spawnSync('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', '60',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50', '-keyint_min', '50', '-bf', '0',
    '-b:v', '4M', '-minrate', '4M', '-maxrate', '4M', '-bufsize', '4M', '-x264-params', 'nal-hrd=cbr:force-cfr=1',
    '-f', 'segment', '-segment_time', '3600', '-reset_timestamps', '1', '-segment_start_number', '1', '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof:flush_packets=1', source,
  ], { stdio: 'inherit' });
  if (enc.status !== 0) throw new Error('ffmpeg failed to encode the bench segment');
  const file = source.replace('%06d', '000001');
  const runKey = makeRunKey(dayMs - 1000);
  const folder = runFolder(camera, dayMs - 1000);
  mkdirSync(path.join(dir, 'recordings', folder), { recursive: true });
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  const indexer = new Indexer({ store, recordingsDir: path.join(dir, 'recordings'), log: silentLogger(), clock: systemClock });
  const stream = { videoCodec: 'h264', width: 1920, height: 1080, fps: 25, audioCodec: null };
  indexer.onRunStarted({ cameraId: camera, runKey, anchorMs: dayMs, spawnedAtMs: dayMs - 1000, stream });
  const sizeBytes = statSync(file).size;
  for (let seq = 1; seq <= segments; seq++) {
    const relPath = `${folder}/${runKey}-${String(seq).padStart(6, '0')}.mp4`;
    linkSync(file, path.join(dir, 'recordings', relPath));
    const startMs = dayMs + (seq - 1) * 60_000;
    indexer.onSegmentClosed({
      cameraId: camera, runKey, seq, relPath, startMs, endMs: startMs + 60_000, mediaDurationMs: 60_000,
      observedCloseMs: startMs + 60_050, sizeBytes, stream,
    });
  }
  store.close();
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  console.log(`bench day ready in ${dir}: ${segments} x ${(sizeBytes / 1e6).toFixed(1)} MB`);
}

/** The real app on a loopback port, in this process (used by the --serve child). */
async function serve(dir: string): Promise<void> {
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  const log = silentLogger();
  const audit = new AuditTrail({ repo: store.audit, clock: systemClock, log });
  const auth = createAuth({ store, clock: systemClock });
  const token = auth.tokens.create({ name: `bench-${Date.now()}`, role: 'investigator', createdBy: 'bench' }).token;
  const recordings = new RecordingsService({ store });
  const footage = createFootageServices({
    recordings, recordingsDir: path.join(dir, 'recordings'), spawner: systemSpawner, ffmpegPath: 'ffmpeg', log,
    settings: { maxClipSeconds: 4 * 3600, maxPlaylistSeconds: 86_400, stillConcurrency: 2, stillTimeoutMs: 10_000, indexCacheEntries: 4096 },
  });
  const app = buildApp({
    log, clock: systemClock, version: 'bench', recorderStatus: () => null, recordings, audit, auditLog: audit, auth, ...footage,
    cameras: () => [{ id: camera, name: camera, url: 'rtsp://127.0.0.1/bench', enabled: true, audio: 'off' }],
    health: () => ({ status: 'ok', reasons: [] }),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(JSON.stringify({ url, token }));
}

export interface BenchServer { url: string; token: string; pid: number; stop(): void }

/** CPU (user + system, ms) the server process has used so far: read around a request, it is that request's cost whatever the load. */
export function serverCpuMs(server: BenchServer): number {
  return tree([server.pid]).reduce((ms, p) => ms + p.cpuTicks * 10, 0);
}

/** Start the server as a child process (its own event loop and core, like the daemon). */
export function startServer(dir = benchDir): Promise<BenchServer> {
  return startChild(['--serve', dir]);
}

/**
 * The floor for any server with this client: a plain Node HTTP server that holds the
 * clip's bytes in memory and answers with one write (no file reads, no JavaScript per
 * chunk, no auth or planning). What it takes over `cat` is the client and TCP's share.
 */
async function serveFromMemory(clipUrl: string, token: string): Promise<void> {
  const body = Buffer.from(await (await fetch(clipUrl, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length }).end(body); });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: '' })));
}

async function startChild(args: string[]): Promise<BenchServer> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.split('\n')[0]!); });
    child.on('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { url, token, pid: child.pid!, stop: () => { child.kill('SIGTERM'); } };
}

export interface Timing { ttfbMs: number; totalMs: number; bytes: number }

/** Counts bytes of a body as they arrive: time to the first one and to the end. */
function byteCounter() {
  const t0 = performance.now();
  let ttfb = -1;
  let bytes = 0;
  return {
    onData: (d: Buffer) => { if (ttfb < 0) ttfb = performance.now() - t0; bytes += d.length; },
    done: (): Timing => ({ ttfbMs: ttfb, totalMs: performance.now() - t0, bytes }),
  };
}

/** GET a URL, reading the body as it arrives; no keep-alive, like a download tool. */
export function timeGet(url: string, token: string): Promise<Timing & { status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const count = byteCounter();
    http.get(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      res.on('data', count.onData);
      res.on('end', () => resolve({ ...count.done(), status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** `cat` of files, its output read here the same way. */
export function timeCat(files: readonly string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const count = byteCounter();
    const child = spawn('cat', [...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', count.onData);
    child.on('error', reject);
    child.on('close', () => resolve(count.done()));
  });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

/** Ranges start 17.3 s into 03:00 of the day: not on a segment or GOP boundary. */
const clipFromMs = dayMs + 3 * 3_600_000 + 17_300;
const clipUrl = (server: BenchServer, fromMs: number, toMs: number) => `${server.url}/api/v1/cameras/${camera}/clip.mp4?from=${fromMs}&to=${toMs}`;

async function clipFiles(server: BenchServer, fromMs: number, toMs: number): Promise<string[]> {
  const res = await fetch(`${server.url}/api/v1/cameras/${camera}/clip.json?from=${fromMs}&to=${toMs}`, { headers: { authorization: `Bearer ${server.token}` } });
  const json = (await res.json()) as { segments: { relPath: string }[] };
  return json.segments.map((s) => path.join(benchDir, 'recordings', s.relPath));
}

const fmt = (t: Timing) => `${t.ttfbMs.toFixed(1).padStart(7)} ${t.totalMs.toFixed(0).padStart(7)} ${(t.bytes / 1e6).toFixed(1).padStart(7)}`;

async function measure(server: BenchServer, label: string, minutes: number, runs: number): Promise<void> {
  const toMs = clipFromMs + minutes * 60_000;
  const url = clipUrl(server, clipFromMs, toMs);
  const files = await clipFiles(server, clipFromMs, toMs);
  const cold = await timeGet(url, server.token); // first request: fragment indexes read from the files
  if (cold.status !== 200 || cold.headers['x-clip-method'] !== 'join') throw new Error(`clip answered ${cold.status} ${String(cold.headers['x-clip-method'])}`);
  const clips: Timing[] = [];
  const cats: Timing[] = [];
  let cpuMs = 0;
  const readerMs = { clip: 0, cat: 0 };
  const ownCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  for (let i = 0; i < runs; i++) {
    const cpu0 = serverCpuMs(server);
    const own0 = ownCpuMs();
    clips.push(await timeGet(url, server.token));
    readerMs.clip += ownCpuMs() - own0;
    cpuMs += serverCpuMs(server) - cpu0;
    const own1 = ownCpuMs();
    cats.push(await timeCat(files));
    readerMs.cat += ownCpuMs() - own1;
  }
  const c = { ttfbMs: median(clips.map((t) => t.ttfbMs)), totalMs: median(clips.map((t) => t.totalMs)), bytes: clips[0]!.bytes };
  const k = { ttfbMs: median(cats.map((t) => t.ttfbMs)), totalMs: median(cats.map((t) => t.totalMs)), bytes: cats[0]!.bytes };
  const best = Math.min(...clips.map((t) => t.totalMs)) / Math.min(...cats.map((t) => t.totalMs));
  const mbps = (t: Timing) => (t.bytes / 1e3 / t.totalMs).toFixed(0);
  console.log(`${label.padEnd(22)} ${fmt(c)}   ${fmt(k)}   ${(c.totalMs / k.totalMs).toFixed(2).padStart(5)}   (best/best ${best.toFixed(2)}; first request TTFB ${cold.ttfbMs.toFixed(1)} ms; ${files.length} files; `
    + `MB/s clip ${mbps(c)} cat ${mbps(k)}; CPU ms per run: server ${(cpuMs / runs).toFixed(0)}, reader of clip ${(readerMs.clip / runs).toFixed(0)}, of cat ${(readerMs.cat / runs).toFixed(0)})`);
}

/** Wall time of a shell pipeline (the C tools: no JavaScript on the reading side). */
function timeShell(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

/** Server cost without the Node client: curl to /dev/null against cat | cat to /dev/null. */
async function measureWithCurl(server: BenchServer, minutes: number, runs: number): Promise<void> {
  const url = clipUrl(server, clipFromMs, clipFromMs + minutes * 60_000);
  const files = await clipFiles(server, clipFromMs, clipFromMs + minutes * 60_000);
  const quote = (f: string) => `'${f.replaceAll("'", "'\\''")}'`;
  const curl: number[] = [];
  const cat: number[] = [];
  for (let i = 0; i < runs; i++) {
    curl.push(await timeShell('curl', ['-sS', '-o', '/dev/null', '-H', `Authorization: Bearer ${server.token}`, url]));
    cat.push(await timeShell('sh', ['-c', `cat ${files.map(quote).join(' ')} | cat > /dev/null`]));
  }
  console.log(`${`${minutes}-min, curl / cat|cat`.padEnd(22)} ${''.padStart(7)} ${median(curl).toFixed(0).padStart(7)} ${''.padStart(7)}   ${''.padStart(7)} ${median(cat).toFixed(0).padStart(7)} ${''.padStart(7)}   ${(median(curl) / median(cat)).toFixed(2).padStart(5)}   (C clients: curl -o /dev/null vs cat files | cat > /dev/null)`);
}

/** The clip, its bytes from memory (the floor of any server, see serveFromMemory) and `cat`, in one loop. */
async function measureFloor(server: BenchServer, minutes: number, runs: number): Promise<void> {
  const url = clipUrl(server, clipFromMs, clipFromMs + minutes * 60_000);
  const files = await clipFiles(server, clipFromMs, clipFromMs + minutes * 60_000);
  const memory = await startChild(['--serve-memory', url, server.token]);
  try {
    const clip: number[] = [];
    const fromMemory: Timing[] = [];
    const cat: number[] = [];
    for (let i = 0; i < runs; i++) {
      clip.push((await timeGet(url, server.token)).totalMs);
      fromMemory.push(await timeGet(memory.url, ''));
      cat.push((await timeCat(files)).totalMs);
    }
    const mem = median(fromMemory.map((t) => t.totalMs));
    console.log(`${`${minutes}-min, from memory`.padEnd(22)} ${''.padStart(7)} ${mem.toFixed(0).padStart(7)} ${(fromMemory[0]!.bytes / 1e6).toFixed(1).padStart(7)}   ${''.padStart(7)} ${median(cat).toFixed(0).padStart(7)} ${''.padStart(7)}   ${(mem / median(cat)).toFixed(2).padStart(5)}   `
      + `(floor of any server for this client: the clip's bytes from memory, one write; the clip in the same loop ${(median(clip) / median(cat)).toFixed(2)})`);
  } finally {
    memory.stop();
  }
}

async function measureConcurrent(server: BenchServer, n: number, minutes: number): Promise<void> {
  const ranges = Array.from({ length: n }, (_, i) => dayMs + (i * 97 + 5) * 60_000 + 17_300);
  const urls = ranges.map((from) => `${server.url}/api/v1/cameras/${camera}/clip.mp4?from=${from}&to=${from + minutes * 60_000}`);
  const files = await Promise.all(ranges.map((from) => clipFiles(server, from, from + minutes * 60_000)));
  await Promise.all(urls.map((u) => timeGet(u, server.token))); // warm the indexes
  const cpu0 = serverCpuMs(server);
  const t0 = performance.now();
  const clips = await Promise.all(urls.map((u) => timeGet(u, server.token)));
  const clipWall = performance.now() - t0;
  const cpuMs = serverCpuMs(server) - cpu0;
  const t1 = performance.now();
  const cats = await Promise.all(files.map((f) => timeCat(f)));
  const catWall = performance.now() - t1;
  const mb = clips.reduce((x, t) => x + t.bytes, 0) / 1e6;
  console.log(`${`${n} x ${minutes} min at once`.padEnd(22)} ${percentile(clips.map((t) => t.ttfbMs), 100).toFixed(1).padStart(7)} ${clipWall.toFixed(0).padStart(7)} ${mb.toFixed(1).padStart(7)}   ${percentile(cats.map((t) => t.ttfbMs), 100).toFixed(1).padStart(7)} ${catWall.toFixed(0).padStart(7)} ${(cats.reduce((x, t) => x + t.bytes, 0) / 1e6).toFixed(1).padStart(7)}   ${(clipWall / catWall).toFixed(2).padStart(5)}   (TTFB = slowest of ${n}; total = wall time of all; server CPU ${cpuMs.toFixed(0)} ms)`);
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  prepareBenchData();
  const server = await startServer();
  try {
    const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`clips over HTTP (real app, loopback) vs cat of the same segment files; median of ${runs} runs, warm cache; load average ${load()}`);
    console.log(`${''.padEnd(22)} ${'clip: TTFB ms'.padStart(7)} ${'total'.padStart(7)} ${'MB'.padStart(7)}   ${'cat: TTFB'.padStart(7)} ${'total'.padStart(7)} ${'MB'.padStart(7)}   ratio`);
    await measure(server, '1-minute clip', 1, runs);
    await measure(server, '10-minute clip', 10, runs);
    await measure(server, '1-hour clip', 60, Math.max(3, Math.ceil(runs / 2)));
    await measureConcurrent(server, 10, 10);
    await measureFloor(server, 10, runs);
    await measureWithCurl(server, 10, runs);
    console.log(`targets (10-minute clip): TTFB <= 20 ms, total <= 1.3 x cat; load average at the end ${load()}`);
  } finally {
    server.stop();
  }
}

const argAfter = (flag: string, n = 1) => process.argv[process.argv.indexOf(flag) + n]!;
if (process.argv.includes('--serve')) void serve(argAfter('--serve'));
else if (process.argv.includes('--serve-memory')) void serveFromMemory(argAfter('--serve-memory'), argAfter('--serve-memory', 2));
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
