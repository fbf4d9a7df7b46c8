#!/usr/bin/env node
// @ts-check
/**
 * Standalone verifier of an NVR export package. Needs only Node.js (18 or later), no
 * network and no other file: copy it anywhere and run
 *
 *   node verify-export.mjs PACKAGE [--fingerprint HEX] [--json]
 *
 * PACKAGE is the downloaded .tar or the folder it was extracted to. Checks, and names
 * exactly what failed: the tar's structure (headers, checksums, padding, end), the Ed25519
 * signature of manifest.json by the box key it names, the SHA-256 and size of every file
 * the manifest lists, that no other file is present, and the manifest's own consistency
 * (key fingerprint, clip files, the chain links of the source segments). With
 * --fingerprint, the signing key must be the box key written in the case file.
 * Exit code: 0 verified, 1 not verified, 2 bad command line.
 *
 * The daemon (src/exports) writes the packages this reads; `nvr verify` runs this code.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const packageFormat = 'nvr-export/1';
const signatureFile = 'manifest.sig';
const manifestFile = 'manifest.json';
const safePath = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * @typedef {{ ok: boolean, subject: string, message: string }} Check
 * @typedef {{ sizeBytes: number, sha256: string, text: Buffer | null }} Entry
 * @typedef {{ ok: boolean, packagePath: string, checks: Check[], manifest: any, fingerprint: string | null }} VerifyResult
 */

/**
 * Verify a package (a .tar file or an extracted folder).
 * @param {string} packagePath
 * @param {{ fingerprint?: string }} [opts]
 * @returns {Promise<VerifyResult>}
 */
export async function verifyPackage(packagePath, opts = {}) {
  /** @type {Check[]} */
  const checks = [];
  const pass = (subject, message) => checks.push({ ok: true, subject, message });
  const fail = (subject, message) => checks.push({ ok: false, subject, message });
  const result = () => ({ ok: checks.length > 0 && checks.every((c) => c.ok), packagePath, checks, manifest, fingerprint });
  /** @type {any} */ let manifest = null;
  /** @type {string | null} */ let fingerprint = null;
  /** @type {Map<string, Entry>} */ let entries;
  try {
    const read = (await stat(packagePath)).isDirectory() ? await readFolder(packagePath, fail) : await readTar(packagePath, fail);
    // A broken tar structure leaves the rest unreadable: report it alone rather than guess.
    if (!read.complete) return result();
    entries = read.entries;
  } catch (err) {
    fail(packagePath, `cannot read the package: ${err instanceof Error ? err.message : String(err)}`);
    return result();
  }
  const manifestEntry = entries.get(manifestFile);
  const sigEntry = entries.get(signatureFile);
  if (!manifestEntry?.text) {
    const inner = [...entries.keys()].find((n) => n.endsWith(`/${manifestFile}`) && n.split('/').length === 2);
    fail(manifestFile, `missing from the package${inner ? ` (give the folder ${path.join(packagePath, path.dirname(inner))} instead)` : ''}`);
    return result();
  }
  try { manifest = JSON.parse(manifestEntry.text.toString('utf8')); } catch { fail(manifestFile, 'is not valid JSON'); return result(); }
  if (manifest?.format !== packageFormat || typeof manifest?.box?.publicKey !== 'string') {
    fail(manifestFile, `is not an ${packageFormat} manifest`);
    return result();
  }
  fingerprint = createHash('sha256').update(Buffer.from(manifest.box.publicKey, 'base64')).digest('hex');
  checkSignature(manifestEntry.text, sigEntry, manifest.box.publicKey, fingerprint, pass, fail);
  if (opts.fingerprint !== undefined) {
    const want = opts.fingerprint.replace(/[\s:]/g, '').toLowerCase();
    if (want === fingerprint) pass('box key', `is the expected key ${want}`);
    else fail('box key', `the package is signed by key ${fingerprint}, not by the expected ${want}`);
  }
  checkFiles(manifest, entries, pass, fail);
  checkManifest(manifest, fingerprint, pass, fail);
  return result();
}

function checkSignature(manifestBytes, sigEntry, publicKeyB64, fingerprint, pass, fail) {
  const text = sigEntry?.text?.toString('latin1');
  if (text === undefined) { fail(signatureFile, 'missing from the package'); return; }
  if (!/^[0-9a-f]{128}\n$/.test(text)) { fail(signatureFile, 'is not a 64-byte signature in lower-case hex followed by one newline'); return; }
  let ok = false;
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    ok = verifySignature(null, manifestBytes, key, Buffer.from(text.trim(), 'hex'));
  } catch (err) {
    fail(signatureFile, `the manifest's public key is unusable: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (ok) pass(manifestFile, `signature valid (Ed25519, box key ${fingerprint})`);
  else fail(manifestFile, `signature does not match: ${manifestFile} or ${signatureFile} was changed after the box signed it`);
}

function checkFiles(manifest, entries, pass, fail) {
  const listed = new Set([manifestFile, signatureFile]);
  for (const f of Array.isArray(manifest.files) ? manifest.files : []) {
    const name = String(f?.path);
    listed.add(name);
    const e = entries.get(name);
    if (!e) fail(name, 'is listed in the manifest but missing from the package');
    else if (e.sizeBytes !== f.sizeBytes) fail(name, `has ${e.sizeBytes} bytes but the manifest says ${f.sizeBytes}`);
    else if (e.sha256 !== f.sha256) fail(name, `SHA-256 is ${e.sha256} but the manifest says ${f.sha256}`);
    else pass(name, `SHA-256 ${e.sha256} (${e.sizeBytes} bytes)`);
  }
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) fail(manifestFile, 'lists no files');
  for (const name of entries.keys()) if (!listed.has(name)) fail(name, 'is in the package but not in the manifest (added afterwards)');
}

/** The manifest against itself: key, clip files, chain links of the source segments. */
function checkManifest(manifest, fingerprint, pass, fail) {
  const problems = [];
  if (manifest.box.fingerprint !== fingerprint) problems.push(`box.fingerprint ${manifest.box.fingerprint} is not the SHA-256 of box.publicKey (${fingerprint})`);
  const files = new Set((manifest.files ?? []).map((f) => f?.path));
  for (const cam of Array.isArray(manifest.cameras) ? manifest.cameras : []) {
    if (cam.clip !== null && !files.has(cam.clip)) problems.push(`camera ${cam.id}: clip ${cam.clip} is not among the files`);
    let prev = null;
    for (const s of Array.isArray(cam.segments) ? cam.segments : []) {
      if (s.sha256 === null) continue;
      const text = `${s.chainPrev}\n${s.sha256}\n${s.startMs}\n${s.endMs}\n${cam.id}\n${s.relPath}`;
      if (createHash('sha256').update(text, 'utf8').digest('hex') !== s.chain) problems.push(`camera ${cam.id}: segment ${s.relPath} does not recompute its chain value`);
      if (prev && s.chainSeq === prev.chainSeq + 1 && s.chainPrev !== prev.chain) problems.push(`camera ${cam.id}: segment ${s.relPath} does not link to ${prev.relPath}`);
      prev = s;
    }
  }
  if (problems.length === 0) pass(manifestFile, 'consistent (key fingerprint, clip files, segment chain links)');
  for (const p of problems) fail(manifestFile, p);
}

/** @returns {Promise<{ entries: Map<string, Entry>, complete: boolean }>} */
async function readFolder(root, fail) {
  /** @type {Map<string, Entry>} */
  const out = new Map();
  const walk = async (rel) => {
    for (const d of await readdir(path.join(root, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(name);
      else if (!d.isFile()) fail(name, 'is not a regular file (links are not allowed in a package)');
      else out.set(name, await hashEntry(path.join(root, name), 0, (await stat(path.join(root, name))).size, name));
    }
  };
  await walk('');
  return { entries: out, complete: true };
}

/** Hash `size` bytes of a file from `start`; keep the text of the small metadata files. */
async function hashEntry(file, start, size, name) {
  const fh = await open(file, 'r');
  try {
    const hash = createHash('sha256');
    /** @type {Buffer[] | null} */
    const keep = name === manifestFile || name === signatureFile ? [] : null;
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < size;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - at), start + at);
      if (bytesRead === 0) throw new Error(`${name} ends early at byte ${at} of ${size}`);
      hash.update(buf.subarray(0, bytesRead));
      keep?.push(Buffer.from(buf.subarray(0, bytesRead)));
      at += bytesRead;
    }
    return { sizeBytes: size, sha256: hash.digest('hex'), text: keep ? Buffer.concat(keep) : null };
  } finally {
    await fh.close();
  }
}

/**
 * A ustar archive as written by the box: one top folder, regular files, zero padding, two
 * zero blocks, nothing after. `complete` is false when its structure broke (the entries
 * after that point cannot be told).
 * @returns {Promise<{ entries: Map<string, Entry>, complete: boolean }>}
 */
async function readTar(file, fail) {
  /** @type {Map<string, Entry>} */
  const out = new Map();
  const total = (await stat(file)).size;
  const fh = await open(file, 'r');
  const read = async (at, length) => {
    const b = Buffer.alloc(length);
    const { bytesRead } = await fh.read(b, 0, length, at);
    return b.subarray(0, bytesRead);
  };
  let top = null;
  const broken = { entries: out, complete: false };
  try {
    for (let at = 0; ;) {
      const header = await read(at, 512);
      if (header.length < 512) { fail('tar', `ends inside a header at byte ${at} (truncated)`); return broken; }
      if (header.every((b) => b === 0)) {
        const rest = await read(at + 512, total - at - 512);
        if (at + 1024 !== total) fail('tar end', `the archive must end with exactly two zero blocks at byte ${at}; it has ${total - at} bytes there`);
        else if (!rest.every((b) => b === 0)) fail('tar end', `the end-of-archive blocks at byte ${at} are not all zero`);
        return { entries: out, complete: true };
      }
      const h = parseHeader(header, at);
      if (typeof h === 'string') { fail(`tar header at byte ${at}`, h); return broken; }
      const [dir, ...restPath] = h.path.split('/');
      const name = restPath.join('/');
      top ??= dir;
      if (dir !== top || name === '') { fail(h.path, `is outside the package folder ${top}/`); return broken; }
      if (out.has(name)) fail(name, 'appears twice in the tar');
      if (at + 512 + h.size > total) { fail(name, `tar entry is cut short: it needs ${h.size} bytes from byte ${at + 512}`); return broken; }
      out.set(name, await hashEntry(file, at + 512, h.size, name));
      const padded = Math.ceil(h.size / 512) * 512;
      if (!(await read(at + 512 + h.size, padded - h.size)).every((b) => b === 0)) fail(name, 'the tar padding after this file is not zero');
      at += 512 + padded;
    }
  } finally {
    await fh.close();
  }
}

/** @returns {{ path: string, size: number } | string} the entry, or what is wrong with the header */
function parseHeader(h, at) {
  const field = (from, length) => h.subarray(from, from + length);
  const text = (from, length) => { const f = field(from, length); const z = f.indexOf(0); return f.subarray(0, z < 0 ? length : z).toString('utf8'); };
  const sum = h.reduce((n, b, i) => n + (i >= 148 && i < 156 ? 32 : b), 0);
  const chk = field(148, 8).toString('latin1');
  if (chk === '\0'.repeat(8)) return 'is not a tar header: bytes after the last file or in the end-of-archive blocks were changed';
  if (!/^[0-7]{6}\0 $/.test(chk) || parseInt(chk.slice(0, 6), 8) !== sum) return `checksum does not match (the header of the entry named '${text(345, 155)}/${text(0, 100)}' was changed)`;
  if (field(257, 8).toString('latin1') !== 'ustar\x0000') return 'not a ustar header';
  if (String.fromCharCode(h[156] ?? 0) !== '0') return `entry '${text(0, 100)}' is not a regular file`;
  const sizeField = field(124, 12);
  let size = 0;
  if (sizeField[0] === 0x80) for (const b of sizeField.subarray(1)) size = size * 256 + b;
  else if (/^[0-7]{11}\0$/.test(sizeField.toString('latin1'))) size = parseInt(sizeField.toString('latin1', 0, 11), 8);
  else return 'size field is malformed';
  const prefix = text(345, 155);
  const p = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
  if (!safePath.test(p) || p.split('/').some((s) => s === '.' || s === '..')) return `entry name '${p}' is not a plain relative path`;
  return { path: p, size };
}

/** @param {VerifyResult} r */
export function formatReport(r) {
  const m = r.manifest;
  const lines = [`Package: ${r.packagePath}`];
  if (m?.box) lines.push(`Box: ${m.box.id}  key fingerprint ${r.fingerprint}`);
  if (m?.request) lines.push(`Case: ${m.request.caseNumber}  exported by ${m.request.exportedBy} at ${m.createdAt?.utc} (UTC) / ${m.createdAt?.vietnam} (Vietnam)`);
  for (const c of r.checks) lines.push(`${c.ok ? 'OK  ' : 'FAIL'} ${c.subject}: ${c.message}`);
  const failed = r.checks.filter((c) => !c.ok);
  lines.push(failed.length === 0
    ? `RESULT: VERIFIED (${r.checks.length} checks). Compare the key fingerprint with the one in the case file.`
    : `RESULT: NOT VERIFIED: ${failed.length} of ${r.checks.length} checks failed: ${[...new Set(failed.map((c) => c.subject))].join(', ')}`);
  return lines.join('\n');
}

/** @param {string[]} argv @returns {Promise<number>} */
export async function runCli(argv, out = (s) => process.stdout.write(`${s}\n`)) {
  const args = [...argv];
  const json = args.includes('--json');
  const fpAt = args.indexOf('--fingerprint');
  const fingerprint = fpAt >= 0 ? args[fpAt + 1] : undefined;
  const rest = args.filter((a, i) => a !== '--json' && (fpAt < 0 || (i !== fpAt && i !== fpAt + 1)));
  if (rest.length !== 1 || (fpAt >= 0 && !fingerprint)) {
    out('usage: node verify-export.mjs PACKAGE(.tar or folder) [--fingerprint HEX] [--json]');
    return 2;
  }
  const r = await verifyPackage(rest[0] ?? '', fingerprint === undefined ? {} : { fingerprint });
  out(json ? JSON.stringify({ ok: r.ok, fingerprint: r.fingerprint, checks: r.checks }, null, 2) : formatReport(r));
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
