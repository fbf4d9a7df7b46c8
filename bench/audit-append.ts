/**
 * bench/audit-append: what one audit entry costs a clip, on a real SQLite file in WAL
 * mode (as the daemon runs it), against a baseline in the same run: a plain INSERT of the
 * same fields into a table without the hash chain, timed alternately. Also the chain
 * check's speed.
 *
 *   npx tsx bench/audit-append.ts [--entries 20000]
 *
 * Prints µs per append (p50, p99) for both and their ratio, and entries/s for verify.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { openStore } from '../src/store/db.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '20000' } } });
const n = Number(values.entries);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-bench-audit-'));
const file = path.join(dir, 'index.sqlite');
const store = openStore({ path: file, log: silentLogger() });
const trail = new AuditTrail({ repo: store.audit, clock: systemClock, log: silentLogger() });

// The baseline: the same columns, same pragmas (WAL, NORMAL), one prepared INSERT, no chain.
const plain = new Database(file);
plain.pragma('journal_mode = WAL');
plain.pragma('synchronous = NORMAL');
plain.exec(`CREATE TABLE plain_log (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, address TEXT NOT NULL,
  action TEXT NOT NULL, result TEXT NOT NULL, camera_id TEXT, from_ms INTEGER, to_ms INTEGER, served_bytes INTEGER, detail TEXT) STRICT`);
const plainInsert = plain.prepare(`INSERT INTO plain_log (at_ms, actor, address, action, result, camera_id, from_ms, to_ms, served_bytes, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);

const t0 = Date.parse('2026-11-28T01:00:00Z');
const entry = (i: number) => ({
  actor: 'investigator1', address: '192.168.1.23', action: 'clip', result: 'ok' as const, cameraId: 'gate',
  fromMs: t0 + i * 1000, toMs: t0 + i * 1000 + 600_000, bytes: 300_000_000 + i, detail: 'GET /api/v1/cameras/:id/clip.mp4',
});

/** Times both appends alternately, so checkpoints and machine noise hit them alike. */
function timeInterleaved(a: (i: number) => void, b: (i: number) => void): [number[], number[]] {
  const ta: number[] = [];
  const tb: number[] = [];
  const time = (fn: (i: number) => void, i: number, out: number[]) => {
    const start = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - start) / 1000);
  };
  for (let i = 0; i < n; i += 1) {
    time(a, i, ta);
    time(b, i, tb);
  }
  return [ta.sort((x, y) => x - y), tb.sort((x, y) => x - y)];
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const [base, chained] = timeInterleaved(
  (i) => {
    const e = entry(i);
    plainInsert.run(Date.now(), e.actor, e.address, e.action, e.result, e.cameraId, e.fromMs, e.toMs, e.bytes, e.detail);
  },
  (i) => trail.append(entry(i)),
);

const verifyStart = process.hrtime.bigint();
const report = trail.verify();
const verifyMs = Number(process.hrtime.bigint() - verifyStart) / 1e6;

const line = (name: string, s: number[]) => `${name.padEnd(26)} p50 ${pct(s, 0.5).toFixed(1).padStart(6)} µs   p99 ${pct(s, 0.99).toFixed(1).padStart(6)} µs`;
console.log(`audit append, ${n} entries each, WAL + synchronous=NORMAL, ${os.cpus().length} cores`);
console.log(line('plain INSERT (baseline)', base));
console.log(line('hash-chained append', chained));
console.log(`ratio chained/plain       p50 ${(pct(chained, 0.5) / pct(base, 0.5)).toFixed(2)}x   p99 ${(pct(chained, 0.99) / pct(base, 0.99)).toFixed(2)}x`);
console.log(`verify: ${report.entries} entries in ${verifyMs.toFixed(0)} ms (${Math.round(report.entries / (verifyMs / 1000))} entries/s), ok=${report.ok}`);

plain.close();
store.close();
fs.rmSync(dir, { recursive: true, force: true });
