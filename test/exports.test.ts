/**
 * Evidence exports end to end in one process: real recordings, the real API on a loopback
 * port, the real runner. A package of three cameras (one with a gap) is built, downloaded
 * in two resumed ranges, unpacked by GNU tar and checked by the standalone verifier run by
 * a separate `node` in another directory; the hold on its footage ends with the download;
 * every step is audited; bad requests get clear 4xx answers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { identityDir } from '../src/identity/box-identity.js';
import { standaloneVerifierFile } from '../src/verify/verify.js';
import { auditEntries } from './clips-fixture.js';
import { download, startExportBed, T0, type ExportBed } from './exports-fixture.js';
import { tempDir } from './helpers/daemon.js';

const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
let bed: ExportBed;

beforeAll(async () => {
  // 'gate' has a 10 s hole between two runs; 'yard' and 'lane' are continuous.
  bed = await startExportBed({ gate: [{ atS: 0, seconds: 12 }, { atS: 22, seconds: 14 }], yard: [{ atS: 0, seconds: 36 }], lane: [{ atS: 0, seconds: 36 }] });
}, 120_000);
afterAll(async () => bed?.close());

describe('an export of three cameras', () => {
  let job: any;
  const pkgDir = tempDir('nvr-export-dl-');
  const tarFile = path.join(pkgDir, 'package.tar');

  it('queues, runs and finishes with a package', async () => {
    const res = await bed.api('POST', '/api/v1/exports', { cameras: ['gate', 'yard', 'lane'], from: iso(2), to: iso(32), caseNumber: '47/2026/HS', reason: 'trộm xe máy trước cổng' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ state: 'queued', progress: 0, downloadUrl: null, cameras: ['gate', 'yard', 'lane'] });
    job = await bed.finished(res.body.id);
    expect(job).toMatchObject({ state: 'done', progress: 1, downloadUrl: `/api/v1/exports/${res.body.id}/download`, attempts: 1, error: null });
    expect((await bed.api('GET', '/api/v1/exports')).body.exports.map((e: any) => e.id)).toContain(job.id);
  });

  it('holds its footage until the package is downloaded, resumably, in two ranges', async () => {
    const hold = (await bed.api('GET', `/api/v1/holds/${job.holdId}`)).body;
    expect(hold).toMatchObject({ active: true, caseNumber: '47/2026/HS', cameras: ['gate', 'lane', 'yard'] });
    const url = `${bed.url}${job.downloadUrl}`;
    const half = Math.floor(job.packageBytes / 2);
    const first = await download(url, { ...bed.fx.bearer('investigator'), range: `bytes=0-${half - 1}` }, tarFile);
    expect(first.status).toBe(206);
    expect((await bed.api('GET', `/api/v1/holds/${job.holdId}`)).body.active).toBe(true);
    const rest = await download(url, { ...bed.fx.bearer('investigator'), range: `bytes=${half}-`, 'if-range': `"${job.packageSha256}"` }, tarFile, true);
    expect(rest.status).toBe(206);
    expect(createHash('sha256').update(fs.readFileSync(tarFile)).digest('hex')).toBe(job.packageSha256);
    await new Promise((r) => setTimeout(r, 200)); // the close handler runs after the last byte
    expect((await bed.api('GET', `/api/v1/holds/${job.holdId}`)).body.active).toBe(false);
    expect((await bed.api('GET', `/api/v1/exports/${job.id}`)).body.downloadedMs).toBeTypeOf('number');
  });

  it('verifies offline with the standalone verifier in another directory, and names the file once a byte changes', () => {
    const elsewhere = tempDir('nvr-verify-elsewhere-');
    fs.copyFileSync(standaloneVerifierFile, path.join(elsewhere, 'verify-export.mjs'));
    fs.copyFileSync(tarFile, path.join(elsewhere, 'evidence.tar'));
    const run = (...args: string[]) => spawnSync(process.execPath, ['verify-export.mjs', ...args], { cwd: elsewhere, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    const ok = run('evidence.tar', '--fingerprint', bed.identity.fingerprint);
    expect(ok.stdout).toMatch(/RESULT: VERIFIED/);
    expect(ok.status).toBe(0);
    const bytes = fs.readFileSync(path.join(elsewhere, 'evidence.tar'));
    const at = bytes.indexOf(Buffer.from('moof')) ; // inside the first clip's data
    bytes[at] = bytes[at]! ^ 0x20;
    fs.writeFileSync(path.join(elsewhere, 'evidence.tar'), bytes);
    const bad = run('evidence.tar');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAIL clips\/\w+\.mp4: SHA-256 is/);
  });

  it('unpacks with GNU tar; the folder verifies with nvr verify and the manifest states what an investigator needs', async () => {
    const out = tempDir('nvr-untar-');
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    const [folder] = fs.readdirSync(out);
    const dir = path.join(out, folder!);
    expect(fs.readdirSync(dir).sort()).toEqual(['bien-ban-niem-phong.html', 'clips', 'manifest.json', 'manifest.sig', 'verify-export.mjs']);
    const lines: string[] = [];
    expect(await main(['verify', dir, '--fingerprint', bed.identity.fingerprint], { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
    expect(lines.join('\n')).toMatch(/OK {3}clips\/gate\.mp4: SHA-256 [0-9a-f]{64}/);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({
      format: 'nvr-export/1', exportId: job.id, software: { version: 'test' },
      box: { id: bed.identity.boxId, fingerprint: bed.identity.fingerprint, algorithm: 'Ed25519' },
      request: { caseNumber: '47/2026/HS', reason: 'trộm xe máy trước cổng', exportedBy: 'token:test-investigator', range: { from: { utc: iso(2), vietnam: expect.stringMatching(/\+07:00$/) } } },
    });
    const gate = m.cameras.find((c: any) => c.id === 'gate');
    expect(gate.name).toBe('Camera gate');
    expect(gate.gaps).toEqual([expect.objectContaining({ reason: 'camera-disconnected', from: expect.objectContaining({ ms: expect.any(Number) }) })]);
    expect(gate.gaps[0].to.ms - gate.gaps[0].from.ms).toBeGreaterThanOrEqual(9000);
    expect(gate.segments.length).toBeGreaterThan(3);
    for (const s of gate.segments) {
      const row = bed.fx.store.integrity.byPath(s.relPath)!;
      expect(s).toMatchObject({ check: 'ok', sha256: row.sha256, chain: row.chain, chainSeq: row.chainSeq });
    }
    expect(m.cameras.find((c: any) => c.id === 'yard').gaps).toEqual([]);
    expect(m.warnings).toEqual(expect.arrayContaining(['camera gate: 1 gap(s) in the requested range (listed under gaps)']));
    expect(m.files.map((f: any) => f.path).sort()).toEqual(['bien-ban-niem-phong.html', 'clips/gate.mp4', 'clips/lane.mp4', 'clips/yard.mp4', 'verify-export.mjs']);
    const record = fs.readFileSync(path.join(dir, 'bien-ban-niem-phong.html'), 'utf8');
    expect(record).toContain('BIÊN BẢN NIÊM PHONG DỮ LIỆU ĐIỆN TỬ');
    for (const f of m.files.filter((x: any) => x.path.startsWith('clips/'))) expect(record).toContain(f.sha256);
    expect(record).toContain('47/2026/HS');
  });

  it('audits creation, completion and every download', () => {
    expect(auditEntries(bed.fx, 'export.create')[0]).toMatchObject({ result: 'ok', actor: 'token:test-investigator' });
    expect(auditEntries(bed.fx, 'export.done')[0]?.detail).toMatch(new RegExp(`export ${job.id} for token:test-investigator.*sha256 ${job.packageSha256}`));
    const downloads = auditEntries(bed.fx, 'export.download');
    expect(downloads).toHaveLength(2);
    expect(downloads[0]).toMatchObject({ result: 'ok', detail: expect.stringMatching(new RegExp(`hold ${job.holdId} released`)) });
  });
});

describe('identity', () => {
  it('shows the public key and its fingerprint; the private key is 0600', async () => {
    const { status, body } = await bed.api('GET', '/api/v1/identity', undefined, bed.fx.bearer('viewer'));
    expect(status).toBe(200);
    const spki = createPublicKey(body.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(body.fingerprint).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(body.boxId).toBe(`nvr-${body.fingerprint.slice(0, 12)}`);
    expect(body.fingerprintGrouped.split(' ')).toHaveLength(16);
    expect(JSON.stringify(body)).not.toMatch(/PRIVATE/);
    const health = await bed.api('GET', '/api/v1/health', undefined, {});
    expect(health.body.identity).toEqual({ boxId: body.boxId, fingerprint: body.fingerprint });
    const keyFile = path.join(identityDir(bed.fx.dir), 'box-ed25519-key.pem');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
  });
});

describe('bad requests', () => {
  const good = { cameras: ['gate'], from: iso(2), to: iso(10), caseNumber: 'HS-1', reason: 'test' };
  const cases: [string, Record<string, unknown>, number, string, RegExp][] = [
    ['no case number', { ...good, caseNumber: undefined }, 400, 'BAD_REQUEST', /caseNumber is required/],
    ['a blank reason', { ...good, reason: '  ' }, 400, 'BAD_REQUEST', /reason is required/],
    ['a reversed range', { ...good, from: iso(10), to: iso(2) }, 400, 'INVALID_RANGE', /from \(.*\) must be before to/],
    ['a bad time', { ...good, from: 'yesterday' }, 400, 'INVALID_TIME', /from='yesterday'/],
    ['an unknown camera', { ...good, cameras: ['gate', 'nope'] }, 404, 'CAMERA_NOT_FOUND', /cameras\[1\]: camera 'nope'/],
    ['no cameras', { ...good, cameras: [] }, 400, 'BAD_REQUEST', /cameras is required/],
    ['too long a range', { ...good, to: iso(7200) }, 400, 'RANGE_TOO_LONG', /at most 60 min/],
    ['a range with nothing recorded', { ...good, from: iso(-600), to: iso(-300) }, 404, 'NOTHING_RECORDED', /none of the cameras \[gate\]/],
  ];
  for (const [what, body, status, code, message] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const res = await bed.api('POST', '/api/v1/exports', body);
      expect(res).toMatchObject({ status, body: { code } });
      expect(res.body.message).toMatch(message);
    });
  }

  it('a viewer may not export (403) and the refusal is audited', async () => {
    const res = await bed.api('POST', '/api/v1/exports', good, bed.fx.bearer('viewer'));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(auditEntries(bed.fx, 'access')[0]).toMatchObject({ result: 'denied', actor: 'token:test-viewer', detail: 'POST /api/v1/exports needs investigator' });
    expect((await bed.api('GET', '/api/v1/exports', undefined, bed.fx.bearer('viewer'))).status).toBe(403);
  });

  it('unknown, malformed or unfinished exports', async () => {
    expect((await bed.api('GET', '/api/v1/exports/99999')).body.code).toBe('NOT_FOUND');
    expect((await bed.api('GET', '/api/v1/exports/abc')).body.code).toBe('INVALID_ID');
    expect((await bed.api('GET', '/api/v1/exports/99999/download')).status).toBe(404);
    const failed = auditEntries(bed.fx, 'export.create').filter((e) => e.result === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(cases.length);
  });

  it('a queued export cannot be downloaded yet (409); release and delete end its hold', async () => {
    await bed.runner.close(); // nothing runs now: the job stays queued
    const { body } = await bed.api('POST', '/api/v1/exports', good);
    const dl = await bed.api('GET', `/api/v1/exports/${body.id}/download`);
    expect(dl).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect(dl.body.message).toMatch(/is queued/);
    expect((await bed.api('DELETE', `/api/v1/exports/${body.id}`)).status).toBe(409);
    const released = await bed.api('POST', `/api/v1/exports/${body.id}/release`);
    expect(released.status).toBe(200);
    expect((await bed.api('GET', `/api/v1/holds/${body.holdId}`)).body.active).toBe(false);
    expect((await bed.api('POST', `/api/v1/exports/${body.id}/release`)).status).toBe(409);
  });
});
