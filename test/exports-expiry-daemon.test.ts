/**
 * The daemon's wiring of export expiry: exports.keepDays from the config file reaches the
 * runner, whose housekeeping runs at start; GET /api/v1/storage shows the bytes of the
 * packages left, as the export side counts them. Packages are seeded as rows and real
 * files before the daemon (in this process, its HTTP app through inject) starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { createAuth } from '../src/auth/index.js';
import { systemClock } from '../src/core/clock.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { dayMs } from '../src/core/time.js';
import { exportsDirOf } from '../src/exports/index.js';
import { openStore } from '../src/store/db.js';
import { testPolicy } from './helpers/api-deps.js';
import { waitFor, writeTestConfig } from './helpers/daemon.js';

let daemon: Daemon | null = null;
afterEach(async () => { await daemon?.close(); daemon = null; });

/** A finished export whose package (`sizeBytes` of real file) was finished `ageMs` ago. */
function seedPackage(dataDir: string, name: string, ageMs: number, sizeBytes: number) {
  const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
  try {
    const nowMs = Date.now();
    const id = store.exports.create({ cameraIds: ['gate'], fromMs: nowMs - 60_000, toMs: nowMs, caseNumber: name, reason: 'seed', createdBy: 'alice', address: '127.0.0.1', createdMs: nowMs - ageMs });
    store.exports.start(id, nowMs - ageMs);
    const packageFile = `${name}.tar`;
    fs.mkdirSync(exportsDirOf(dataDir), { recursive: true });
    fs.writeFileSync(path.join(exportsDirOf(dataDir), packageFile), Buffer.alloc(sizeBytes, 7));
    store.exports.done(id, { packageFile, packageBytes: sizeBytes, packageSha256: 'a'.repeat(64), manifestSha256: 'b'.repeat(64) }, nowMs - ageMs);
    return { id, file: path.join(exportsDirOf(dataDir), packageFile) };
  } finally {
    store.close();
  }
}

function adminToken(dataDir: string): string {
  const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
  try {
    return createAuth({ store, clock: systemClock, policy: testPolicy }).tokens.create({ name: 'expiry-admin', role: 'admin', createdBy: 'test' }).token;
  } finally {
    store.close();
  }
}

describe('export expiry in the daemon', () => {
  it('deletes packages past exports.keepDays at start, audits it, and reports the bytes left in /api/v1/storage', async () => {
    const cfg = writeTestConfig({ cameras: [] });
    fs.appendFileSync(cfg.file, 'exports:\n  keepDays: 3\n');
    const old = seedPackage(cfg.dataDir, 'old', 3 * dayMs + 60_000, 1000);
    const recent = seedPackage(cfg.dataDir, 'recent', 3 * dayMs - 60_000, 2345);
    const token = adminToken(cfg.dataDir);

    daemon = await startDaemon(loadConfig({ file: cfg.file, env: {} }), { log: silentLogger(), listen: false, system: { processMetrics: false } });
    await waitFor('the old package deleted by housekeeping at start', () => !fs.existsSync(old.file), 10_000, 20);
    expect(fs.existsSync(recent.file)).toBe(true);

    const res = await daemon.app.inject({ method: 'GET', url: '/api/v1/storage', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json().exports).toEqual({ packages: 1, bytes: 2345, keepDays: 3, expired: 1, deleteFailures: 0, lastDeleteError: null });
    const gone = await daemon.app.inject({ method: 'GET', url: `/api/v1/exports/${old.id}/download`, headers: { authorization: `Bearer ${token}` } });
    expect(gone.statusCode).toBe(410);
    await daemon.close();
    daemon = null;

    const store = openStore({ path: path.join(cfg.dataDir, 'index.sqlite'), log: silentLogger() });
    try {
      expect(store.exports.get(old.id)).toMatchObject({ state: 'done', expiredMs: expect.any(Number) });
      expect(store.exports.get(recent.id)).toMatchObject({ expiredMs: null, deletedMs: null });
      const trail = new AuditTrail({ repo: store.audit, clock: systemClock, log: silentLogger() });
      const expiries = trail.list({ fromMs: 0, toMs: Date.now() + dayMs, limit: 1000 }).entries.filter((e) => e.action === 'export.expire');
      expect(expiries).toEqual([expect.objectContaining({ actor: 'system', result: 'ok', detail: expect.stringContaining(`export ${old.id} for alice, case 'old'`) })]);
      expect(trail.verify()).toMatchObject({ ok: true, problem: null });
    } finally {
      store.close();
    }
  }, 60_000);
});
