/**
 * Export packages expire and can be deleted: real packages built by the real runner from
 * real recordings, the real API on a loopback port, the real audit trail. The exports run
 * on a ManualClock and the runner's housekeeping waits through a sleep port the test
 * steps, so days pass without waiting. keepDays is 2 here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { dayMs } from '../src/core/time.js';
import { PackageHousekeeping } from '../src/exports/housekeeping.js';
import { auditEntries } from './clips-fixture.js';
import { startExportBed, T0, type ExportBed } from './exports-fixture.js';

const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const request = (caseNumber: string) => ({ cameras: ['gate'], from: iso(2), to: iso(10), caseNumber, reason: 'kiểm tra thời hạn lưu gói' });

/** The runner's sleep port, stepped by the test: every call waits until released (or shutdown). */
function steppedSleep() {
  const calls: { ms: number; release: () => void }[] = [];
  let called: (() => void) | null = null;
  const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    calls.push({ ms, release: resolve });
    called?.();
  });
  /** Resolves once the loop has asked to sleep `n` times in all. */
  async function calledTimes(n: number): Promise<void> {
    while (calls.length < n) await new Promise<void>((r) => { called = r; });
  }
  return { sleep, calls, calledTimes };
}

const clock = new ManualClock(Date.now());
const steps = steppedSleep();
let bed: ExportBed;
const jobs: Record<string, any> = {};

beforeAll(async () => {
  bed = await startExportBed({ gate: [{ atS: 0, seconds: 12 }] }, { clock, keepDays: 2, sleep: steps.sleep });
}, 120_000);
afterAll(async () => bed?.close());

async function exportOf(caseNumber: string): Promise<any> {
  const res = await bed.api('POST', '/api/v1/exports', request(caseNumber));
  expect(res.status).toBe(202);
  const job = await bed.finished(res.body.id);
  expect(job.state).toBe('done');
  return job;
}

const onDisk = (job: any) => fs.existsSync(path.join(bed.exportsDir, job.packageFile));
const storage = async () => (await bed.api('GET', '/api/v1/storage', undefined, bed.fx.bearer('viewer'))).body.exports;

describe('expiry after exports.keepDays', () => {
  it('housekeeping runs at start, then sleeps an hour through the sleep port', async () => {
    await steps.calledTimes(1);
    expect(steps.calls[0]?.ms).toBe(3_600_000);
  });

  it('deletes exactly the packages finished more than keepDays ago and keeps the rest', async () => {
    jobs.a = await exportOf('A');
    clock.advance(dayMs);
    jobs.b = await exportOf('B');
    expect(jobs.b.finishedMs - jobs.a.finishedMs).toBe(dayMs);
    expect(await storage()).toMatchObject({ packages: 2, bytes: jobs.a.packageBytes + jobs.b.packageBytes, keepDays: 2, expired: 0 });

    clock.advance(dayMs); // A is exactly keepDays old: not older yet
    expect(await bed.housekeeping.pass()).toEqual([]);
    expect(onDisk(jobs.a)).toBe(true);

    clock.advance(1);
    expect(await bed.housekeeping.pass()).toEqual([jobs.a.id]);
    expect(onDisk(jobs.a)).toBe(false);
    expect(onDisk(jobs.b)).toBe(true);
    const a = (await bed.api('GET', `/api/v1/exports/${jobs.a.id}`)).body;
    expect(a).toMatchObject({
      state: 'done', downloadUrl: null, expiredMs: clock.nowMs(), deletedMs: clock.nowMs(),
      expired: new Date(clock.nowMs()).toISOString(), packageSha256: jobs.a.packageSha256,
    });
    const b = (await bed.api('GET', `/api/v1/exports/${jobs.b.id}`)).body;
    expect(b).toMatchObject({ expiredMs: null, deletedMs: null, downloadUrl: `/api/v1/exports/${jobs.b.id}/download` });
    expect(await storage()).toMatchObject({ packages: 1, bytes: jobs.b.packageBytes, expired: 1, deleteFailures: 0 });
    expect(await bed.housekeeping.pass()).toEqual([]);
  });

  it('the hourly pass (the sleep port released) expires the next package', async () => {
    clock.advance(dayMs);
    steps.calls[0]?.release();
    await steps.calledTimes(2);
    expect(steps.calls[1]?.ms).toBe(3_600_000);
    expect(onDisk(jobs.b)).toBe(false);
    expect((await bed.api('GET', `/api/v1/exports/${jobs.b.id}`)).body.expiredMs).toBe(clock.nowMs());
    expect(await storage()).toMatchObject({ packages: 0, bytes: 0, expired: 2 });
  });

  it('downloading an expired package answers 410 Gone naming the export; the refusal is audited', async () => {
    const res = await bed.api('GET', `/api/v1/exports/${jobs.a.id}/download`);
    expect(res.status).toBe(410);
    expect(res.body.code).toBe('GONE');
    expect(res.body.message).toMatch(new RegExp(`^the package of export ${jobs.a.id} expired: it was deleted at .*, 2 days after it was finished \\(exports\\.keepDays\\)`));
    expect(auditEntries(bed.fx, 'export.download')[0]).toMatchObject({ result: 'failed', detail: expect.stringContaining(`export ${jobs.a.id}: the package`) });
  });

  it('audits every expiry as a system action; the audit chain still verifies', () => {
    const expiries = auditEntries(bed.fx, 'export.expire');
    expect(expiries).toHaveLength(2);
    for (const [entry, job] of [[expiries[1], jobs.a], [expiries[0], jobs.b]] as const) {
      expect(entry).toMatchObject({ actor: 'system', address: 'local', result: 'ok', fromMs: job.fromMs, toMs: job.toMs });
      expect(entry?.detail).toContain(`export ${job.id} for token:test-investigator, case '${job.caseNumber}'`);
      expect(entry?.detail).toContain(`${job.packageFile} (${job.packageBytes} bytes, sha256 ${job.packageSha256})`);
      expect(entry?.detail).toContain('exports.keepDays = 2 days');
    }
    expect(bed.fx.audit.verify()).toMatchObject({ ok: true, problem: null });
  });

  it('keepDays 0 keeps every package, however old', async () => {
    jobs.c = await exportOf('C');
    clock.advance(3650 * dayMs);
    const keepAll = new PackageHousekeeping({ store: bed.fx.store, clock, log: silentLogger(), audit: bed.fx.audit, exportsDir: bed.exportsDir, keepDays: 0 });
    expect(await keepAll.pass()).toEqual([]);
    expect(onDisk(jobs.c)).toBe(true);
    expect(keepAll.storage()).toMatchObject({ packages: 1, bytes: jobs.c.packageBytes, keepDays: 0 });
    expect(fs.statSync(path.join(bed.exportsDir, jobs.c.packageFile)).size).toBe(jobs.c.packageBytes);
  });

  it('a package that cannot be unlinked is logged, counted, shown, and retried at the next pass', async () => {
    // A directory where the package file should be: rm without recursive refuses it.
    const stuck = path.join(bed.exportsDir, jobs.c.packageFile);
    fs.renameSync(stuck, `${stuck}.moved`);
    fs.mkdirSync(stuck);
    fs.writeFileSync(path.join(stuck, 'x'), 'x');
    try {
      expect(await bed.housekeeping.pass()).toEqual([]);
      expect(await storage()).toMatchObject({ packages: 1, deleteFailures: 1, lastDeleteError: expect.stringContaining(`export ${jobs.c.id}, ${jobs.c.packageFile}`) });
    } finally {
      fs.rmSync(stuck, { recursive: true });
      fs.renameSync(`${stuck}.moved`, stuck);
    }
    expect(await bed.housekeeping.pass()).toEqual([jobs.c.id]);
    expect(onDisk(jobs.c)).toBe(false);
  });
});

describe('DELETE /api/v1/exports/{id}', () => {
  const other = () => ({ authorization: `Bearer ${bed.fx.auth.tokens.create({ name: `other-${Math.random()}`, role: 'investigator', createdBy: 'test' }).token}` });

  it('by another investigator or a viewer: 403, the package stays', async () => {
    jobs.d = await exportOf('D');
    const byOther = await bed.api('DELETE', `/api/v1/exports/${jobs.d.id}`, undefined, other());
    expect(byOther).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(byOther.body.message).toMatch(new RegExp(`export ${jobs.d.id} was made by token:test-investigator; only they or an admin may delete it`));
    expect((await bed.api('DELETE', `/api/v1/exports/${jobs.d.id}`, undefined, bed.fx.bearer('viewer'))).status).toBe(403);
    expect(onDisk(jobs.d)).toBe(true);
    expect(auditEntries(bed.fx, 'export.delete')[0]).toMatchObject({ result: 'failed', detail: `export ${jobs.d.id}: package deleted, hold released: FORBIDDEN` });
  });

  it('by its creator: the package goes now, the row stays, a download is 410, a second delete is 410', async () => {
    const res = await bed.api('DELETE', `/api/v1/exports/${jobs.d.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: jobs.d.id, state: 'done', deletedMs: clock.nowMs(), expiredMs: null, downloadUrl: null });
    expect(onDisk(jobs.d)).toBe(false);
    expect((await bed.api('GET', `/api/v1/holds/${jobs.d.holdId}`)).body.active).toBe(false);
    const dl = await bed.api('GET', `/api/v1/exports/${jobs.d.id}/download`);
    expect(dl).toMatchObject({ status: 410, body: { code: 'GONE' } });
    expect(dl.body.message).toMatch(new RegExp(`^the package of export ${jobs.d.id} was deleted by hand at`));
    expect((await bed.api('DELETE', `/api/v1/exports/${jobs.d.id}`)).status).toBe(410);
    expect(auditEntries(bed.fx, 'export.delete').filter((e) => e.result === 'ok')).toEqual([
      expect.objectContaining({ actor: 'token:test-investigator', detail: `export ${jobs.d.id}: package deleted, hold released` }),
    ]);
  });

  it('by an admin, whoever made it', async () => {
    jobs.e = await exportOf('E');
    const res = await bed.api('DELETE', `/api/v1/exports/${jobs.e.id}`, undefined, bed.fx.bearer('admin'));
    expect(res).toMatchObject({ status: 200, body: { deletedMs: clock.nowMs() } });
    expect(onDisk(jobs.e)).toBe(false);
    expect(auditEntries(bed.fx, 'export.delete')[0]).toMatchObject({ result: 'ok', actor: 'token:test-admin' });
    expect(await storage()).toMatchObject({ packages: 0, bytes: 0 });
  });

  it('a job being built is refused with 409, not cancelled', async () => {
    await bed.runner.close(); // nothing runs now: the test puts the job in 'running' itself
    const { body } = await bed.api('POST', '/api/v1/exports', request('F'));
    expect(bed.fx.store.exports.start(body.id, clock.nowMs())).toBe(true);
    const res = await bed.api('DELETE', `/api/v1/exports/${body.id}`);
    expect(res).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect(res.body.message).toBe(`export ${body.id} is running: it cannot be deleted while it is queued or being built; delete it once it is done or failed`);
    expect((await bed.api('GET', `/api/v1/exports/${body.id}`)).body.state).toBe('running');
  });

  it('the audit chain verifies after all of it', () => {
    expect(bed.fx.audit.verify()).toMatchObject({ ok: true, problem: null });
  });
});
