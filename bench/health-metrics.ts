/**
 * bench/health-metrics: what a monitor polling the box costs it. A real daemon (real
 * index, every health check the daemon wires, 16 configured cameras) answers
 * GET /api/v1/health and GET /metrics through Fastify's inject, timed alternately with a
 * baseline in the same run: an unknown path (the same hooks, auth and 404 handler, no work).
 *
 *   npx tsx bench/health-metrics.ts [--requests 2000]
 *
 * Prints µs per request (p50, p99) for each and the ratio to the baseline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { startDaemon } from '../src/daemon.js';
import { writeTestConfig } from '../test/helpers/daemon.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' } } });
const n = Number(values.requests);
// Disabled cameras: their status is read and judged like any other, and no ffmpeg runs.
const cfg = writeTestConfig({ cameras: Array.from({ length: 16 }, (_, i) => ({ id: `cam${i}`, url: `rtsp://127.0.0.1:9/c${i}`, enabled: false })) });
const daemon = await startDaemon(loadConfig({ file: cfg.file, env: {} }), { log: silentLogger(), listen: false });
const app = daemon.app;
const password = readFileSync(path.join(cfg.dataDir, 'initial-admin-password'), 'utf8').trim();
const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password } });
const cookie = String(login.headers['set-cookie']).split(';')[0]!;

const cases = {
  baseline: { url: '/no/such/path', headers: { cookie } },
  health: { url: '/api/v1/health', headers: {} },
  metrics: { url: '/metrics', headers: { cookie } },
};
type Name = keyof typeof cases;
const samples: Record<Name, number[]> = { baseline: [], health: [], metrics: [] };
const names = Object.keys(cases) as Name[];
for (let i = 0; i < n + 100; i++) {
  for (const name of names) {
    const t = process.hrtime.bigint();
    const res = await app.inject(cases[name]);
    const us = Number(process.hrtime.bigint() - t) / 1000;
    if (res.statusCode >= 500 || (name !== 'baseline' && res.statusCode !== 200)) throw new Error(`${name}: ${res.statusCode}`);
    if (i >= 100) samples[name].push(us); // the first 100 rounds warm up the JIT
  }
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const base = pct(samples.baseline, 50);
console.log(`requests per case: ${n} (interleaved), 16 cameras`);
for (const name of names) {
  const p50 = pct(samples[name], 50);
  console.log(`${name.padEnd(8)} p50 ${p50.toFixed(0).padStart(6)} µs  p99 ${pct(samples[name], 99).toFixed(0).padStart(6)} µs  ratio to baseline ${(p50 / base).toFixed(2)}`);
}
const body = (await app.inject(cases.metrics)).body;
console.log(`/metrics: ${body.length} bytes, ${body.split('\n').filter((l) => l && !l.startsWith('#')).length} samples`);
await daemon.close();
