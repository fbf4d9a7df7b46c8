/**
 * A persistent export survives the daemon's death: the real daemon (node bin/nvr.js serve)
 * is killed with SIGKILL while it builds a package (its I/O bounded by
 * exports.maxBytesPerSecond so the build takes seconds), started again, and the same job
 * finishes on its own; the package downloaded over HTTP verifies with the standalone
 * verifier run by a separate `node` in another directory, against the fingerprint the box
 * shows at GET /api/v1/identity.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { Indexer } from '../src/indexer/indexer.js';
import { openStore } from '../src/store/db.js';
import { standaloneVerifierFile } from '../src/verify/verify.js';
import { recordRun, T0 } from './clips-fixture.js';
import { bearer, createApiToken, spawnDaemon, tempDir, waitFor, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';

const cameras = ['gate', 'yard', 'lane'];
const daemons: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) {
    if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await d.exited;
  }
});

/** Recordings made before the daemon ever starts, indexed as the recorder would have. */
async function recordBeforehand(dataDir: string): Promise<void> {
  const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
  const indexer = new Indexer({ store, recordingsDir: path.join(dataDir, 'recordings'), log: silentLogger(), clock: systemClock });
  for (const id of cameras) {
    indexer.ensureCamera(id, id);
    await recordRun(indexer, { recordingsDir: path.join(dataDir, 'recordings'), cameraId: id, anchorMs: T0, seconds: 30, segmentSeconds: 4, width: 480, height: 270 });
  }
  store.close();
}

describe('an export interrupted by kill -9', () => {
  it('completes after the restart, and the package verifies offline', async () => {
    const dataDir = tempDir('nvr-export-crash-');
    await recordBeforehand(dataDir);
    const { file } = writeTestConfig({ dataDir, cameras: cameras.map((id) => ({ id, url: 'rtsp://127.0.0.1:9/none', enabled: false })) });
    fs.appendFileSync(file, 'exports:\n  maxBytesPerSecond: 1500000\nintegrity:\n  verifyBytesPerSecond: 0\n');
    const auth = bearer(createApiToken(file, 'investigator'));
    const api = async (base: string, method: string, route: string, body?: unknown) => {
      const res = await fetch(`${base}${route}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: await res.json() as any };
    };

    const first = spawnDaemon(file);
    daemons.push(first);
    const url1 = await first.url();
    const created = await api(url1, 'POST', '/api/v1/exports', {
      cameras, from: new Date(T0 + 1000).toISOString(), to: new Date(T0 + 29_000).toISOString(), caseNumber: 'HS-12/2026', reason: 'kill -9 test',
    });
    expect(created.status).toBe(202);
    const id = created.body.id as number;
    const mid = await waitFor('the export to be part-way', async () => {
      const { body } = await api(url1, 'GET', `/api/v1/exports/${id}`);
      return body.state === 'running' && body.progress >= 0.15 && body;
    }, 60_000, 100);
    expect(mid.progress).toBeLessThan(0.9);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const exportsDir = path.join(dataDir, 'exports');
    expect(fs.readdirSync(exportsDir).filter((n) => n.endsWith('.tar'))).toEqual([]); // no half package looks finished

    const second = spawnDaemon(file);
    daemons.push(second);
    const url2 = await second.url();
    const done = await waitFor('the export to finish after the restart', async () => {
      const { body } = await api(url2, 'GET', `/api/v1/exports/${id}`);
      return (body.state === 'done' || body.state === 'failed') && body;
    }, 120_000, 250);
    expect(done).toMatchObject({ state: 'done', attempts: 2, error: null, progress: 1 });
    expect(fs.readdirSync(exportsDir).sort()).toEqual([done.packageFile]); // staging files of the killed run are gone

    const res = await fetch(`${url2}${done.downloadUrl}`, { headers: auth });
    expect(res.status).toBe(200);
    const elsewhere = tempDir('nvr-export-crash-verify-');
    fs.writeFileSync(path.join(elsewhere, 'evidence.tar'), Buffer.from(await res.arrayBuffer()));
    fs.copyFileSync(standaloneVerifierFile, path.join(elsewhere, 'verify-export.mjs'));
    const { body: identity } = await api(url2, 'GET', '/api/v1/identity');
    const verify = () => spawnSync(process.execPath, ['verify-export.mjs', 'evidence.tar', '--fingerprint', identity.fingerprint], { cwd: elsewhere, encoding: 'utf8' });
    const ok = verify();
    expect(ok.stdout).toMatch(/RESULT: VERIFIED/);
    expect(ok.status).toBe(0);
    const bytes = fs.readFileSync(path.join(elsewhere, 'evidence.tar'));
    const at = Math.floor(bytes.length * 0.7);
    bytes[at] = bytes[at]! ^ 0x80;
    fs.writeFileSync(path.join(elsewhere, 'evidence.tar'), bytes);
    const bad = verify();
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAIL clips\/(gate|yard|lane)\.mp4/);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(second.output()).toMatch(/integrity: segments sealed since start/);
  }, 240_000);
});
