/**
 * Offline verification of a real export package (built by the real runner from real
 * recordings): one byte flipped anywhere (headers, file data, padding, the end of the
 * tar, or any file of the unpacked folder) makes verification fail and name what changed;
 * files added or removed are named; a package re-signed by another key passes only
 * without the case file's fingerprint. Also `nvr verify` as a command.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { verifyPackage, type VerifyResult } from '../src/verify/verify.js';
import { startExportBed, T0, type ExportBed } from './exports-fixture.js';
import { tempDir } from './helpers/daemon.js';

let bed: ExportBed;
let tarFile: string;
let fingerprint: string;

beforeAll(async () => {
  bed = await startExportBed({ gate: [{ atS: 0, seconds: 8 }], yard: [{ atS: 0, seconds: 8 }] }, { segmentSeconds: 2 });
  const job = bed.service.create({ cameras: ['gate', 'yard'], from: T0 + 1000, to: T0 + 7000, caseNumber: 'HS-9', reason: 'kiểm tra' }, { actor: 'alice', address: '127.0.0.1' });
  const done = await bed.finished(job.id);
  expect(done.state).toBe('done');
  tarFile = path.join(bed.exportsDir, done.packageFile);
  fingerprint = bed.identity.fingerprint;
}, 120_000);
afterAll(async () => bed?.close());

interface Region { name: string; header: number; data: number; size: number; padEnd: number }

/** Where each entry's header, data and padding are in the tar (read the way tar does). */
function layout(bytes: Buffer): { entries: Region[]; end: number } {
  const entries: Region[] = [];
  let at = 0;
  while (!bytes.subarray(at, at + 512).every((b) => b === 0)) {
    const text = (from: number, len: number) => bytes.subarray(at + from, at + from + len).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12), 8);
    const padEnd = at + 512 + Math.ceil(size / 512) * 512;
    entries.push({ name: text(0, 100), header: at, data: at + 512, size, padEnd });
    at = padEnd;
  }
  return { entries, end: at };
}

const failures = (r: VerifyResult) => r.checks.filter((c) => !c.ok).map((c) => `${c.subject}: ${c.message}`);

async function verifyFlipped(original: Buffer, offset: number, file: string): Promise<string[]> {
  const copy = Buffer.from(original);
  copy[offset] = copy[offset]! ^ 0x01;
  fs.writeFileSync(file, copy);
  const r = await verifyPackage(file, { fingerprint });
  expect(r.ok, `flip at byte ${offset} went unnoticed`).toBe(false);
  return failures(r);
}

describe('a package as built', () => {
  it('verifies, as .tar and unpacked, with the right fingerprint only', async () => {
    const ok = await verifyPackage(tarFile, { fingerprint });
    expect(failures(ok)).toEqual([]);
    expect(ok.checks.map((c) => c.subject)).toEqual(expect.arrayContaining(['manifest.json', 'clips/gate.mp4', 'clips/yard.mp4', 'bien-ban-niem-phong.html', 'verify-export.mjs', 'box key']) as string[]);
    const wrong = await verifyPackage(tarFile, { fingerprint: 'ab'.repeat(32) });
    expect(failures(wrong)).toEqual([`box key: the package is signed by key ${fingerprint}, not by the expected ${'ab'.repeat(32)}`]);
  });
});

describe('one byte flipped anywhere in the .tar', () => {
  it('fails and names the file whose bytes, header or padding changed', async () => {
    const original = fs.readFileSync(tarFile);
    const { entries, end } = layout(original);
    expect(entries.map((e) => e.name)).toEqual(['manifest.json', 'manifest.sig', 'bien-ban-niem-phong.html', 'verify-export.mjs', 'clips/gate.mp4', 'clips/yard.mp4']);
    const file = path.join(tempDir('nvr-flip-'), 'p.tar');
    for (const e of entries) {
      for (const at of [e.header, e.header + 100, e.header + 157, e.header + 511]) {
        expect(await verifyFlipped(original, at, file)).toEqual([expect.stringMatching(new RegExp(`^tar header at byte ${e.header}: `))]);
      }
      for (const at of [e.data, e.data + Math.floor(e.size / 2), e.data + e.size - 1]) {
        const named = await verifyFlipped(original, at, file);
        expect(named.some((f) => f.includes(e.name)), `flip at ${at} in ${e.name}: ${named.join('; ')}`).toBe(true);
      }
      if (e.padEnd > e.data + e.size) expect(await verifyFlipped(original, e.padEnd - 1, file)).toEqual([`${e.name}: the tar padding after this file is not zero`]);
    }
    for (const at of [end, end + 700, original.length - 1]) {
      expect((await verifyFlipped(original, at, file))[0]).toMatch(/^tar (end|header at byte \d+): .*(end-of-archive|after the last file)/);
    }
    let seed = 12345;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      await verifyFlipped(original, seed % original.length, file);
    }
  });

  it('a cut-short or lengthened tar fails', async () => {
    const original = fs.readFileSync(tarFile);
    const file = path.join(tempDir('nvr-cut-'), 'p.tar');
    fs.writeFileSync(file, original.subarray(0, original.length - 600));
    expect((await verifyPackage(file)).ok).toBe(false);
    fs.writeFileSync(file, Buffer.concat([original, Buffer.alloc(512)]));
    expect(failures(await verifyPackage(file))).toEqual([expect.stringMatching(/^tar end: the archive must end with exactly two zero blocks/)]);
  });
});

describe('the unpacked folder', () => {
  function unpack(): string {
    const out = tempDir('nvr-unpacked-');
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    return path.join(out, fs.readdirSync(out)[0]!);
  }

  it('a flipped byte in any file fails and names that file', async () => {
    const dir = unpack();
    for (const name of ['manifest.json', 'manifest.sig', 'bien-ban-niem-phong.html', 'verify-export.mjs', 'clips/gate.mp4', 'clips/yard.mp4']) {
      const file = path.join(dir, name);
      const original = fs.readFileSync(file);
      for (const at of [0, Math.floor(original.length / 2), original.length - 1]) {
        const copy = Buffer.from(original);
        copy[at] = copy[at]! ^ 0x04;
        fs.writeFileSync(file, copy);
        const f = failures(await verifyPackage(dir, { fingerprint }));
        expect(f.length, `flip at ${at} of ${name}`).toBeGreaterThan(0);
        expect(f.every((x) => x.includes(name)), f.join('; ')).toBe(true);
      }
      fs.writeFileSync(file, original);
    }
    expect((await verifyPackage(dir, { fingerprint })).ok).toBe(true);
  });

  it('a file added or removed is named', async () => {
    const dir = unpack();
    fs.writeFileSync(path.join(dir, 'clips', 'extra.mp4'), 'x');
    expect(failures(await verifyPackage(dir))).toEqual(['clips/extra.mp4: is in the package but not in the manifest (added afterwards)']);
    fs.rmSync(path.join(dir, 'clips', 'extra.mp4'));
    fs.rmSync(path.join(dir, 'clips', 'yard.mp4'));
    expect(failures(await verifyPackage(dir))).toEqual(['clips/yard.mp4: is listed in the manifest but missing from the package']);
  });

  it('a manifest re-signed by another key passes only without the case file\'s fingerprint', async () => {
    const dir = unpack();
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    m.request.caseNumber = 'HS-forged';
    m.box.publicKey = spki.toString('base64');
    m.box.fingerprint = createHash('sha256').update(spki).digest('hex');
    const bytes = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'manifest.json'), bytes);
    fs.writeFileSync(path.join(dir, 'manifest.sig'), `${sign(null, bytes, privateKey).toString('hex')}\n`);
    expect((await verifyPackage(dir)).ok).toBe(true);
    expect(failures(await verifyPackage(dir, { fingerprint }))).toEqual([`box key: the package is signed by key ${m.box.fingerprint}, not by the expected ${fingerprint}`]);
  });
});

describe('nvr verify', () => {
  it('prints every check and exits 0, or 1 naming the failed file', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await main(['verify', tarFile, '--fingerprint', fingerprint], io)).toBe(0);
    const printed = () => lines.join('\n').split('\n');
    expect(printed()).toContain(`OK   manifest.json: signature valid (Ed25519, box key ${fingerprint})`);
    expect(printed().at(-1)).toMatch(/^RESULT: VERIFIED/);
    const bad = path.join(tempDir('nvr-cli-verify-'), 'p.tar');
    const bytes = fs.readFileSync(tarFile);
    const { entries } = layout(bytes);
    const clip = entries.find((e) => e.name === 'clips/yard.mp4')!;
    bytes[clip.data + 10] = bytes[clip.data + 10]! ^ 0x10;
    fs.writeFileSync(bad, bytes);
    lines.length = 0;
    expect(await main(['verify', bad], io)).toBe(1);
    expect(printed().at(-1)).toBe('RESULT: NOT VERIFIED: 1 of 6 checks failed: clips/yard.mp4');
    expect(await main(['verify'], io)).toBe(64);
  });
});
