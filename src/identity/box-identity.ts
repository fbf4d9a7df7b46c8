/**
 * The box's own identity: an Ed25519 key pair made on first start (node:crypto), whose
 * private half never leaves <dataDir>/identity/ (mode 0600, folder 0700) and whose public
 * half signs every export. Officers write the public key's fingerprint into the case
 * file; a verifier later checks an export's signature against that fingerprint.
 *
 * fingerprint = SHA-256 (hex) of the public key in SPKI DER form (what the export's
 * manifest carries as `box.publicKey`, base64). The box id is derived from it, so the
 * key is the identity and there is no second secret to lose or mismatch.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

export interface BoxIdentity {
  /** 'nvr-' and the first 12 hex digits of the fingerprint. */
  readonly boxId: string;
  readonly algorithm: 'Ed25519';
  /** SHA-256 (hex, 64 digits) of the SPKI DER public key. */
  readonly fingerprint: string;
  /** The public key, SPKI DER in base64 (what manifests carry). */
  readonly publicKeySpki: string;
  readonly publicKeyPem: string;
  /** When the key pair was made (from the identity file; the key's mtime as a fallback). */
  readonly createdMs: number;
  readonly hostname: string;
  /** Ed25519 signature of `data` (64 bytes). */
  sign(data: Buffer): Buffer;
}

export interface IdentityDeps {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly log: Logger;
}

export function identityDir(dataDir: string): string {
  return path.join(dataDir, 'identity');
}

const keyFile = 'box-ed25519-key.pem';
const metaFile = 'box-identity.json';

export function fingerprintOf(spkiDer: Buffer): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** '1a2b 3c4d …': 16 groups of 4 hex digits, easier to read aloud and copy by hand. */
export function groupFingerprint(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join(' ') ?? fingerprint;
}

/** Loads the key pair, or makes it on first start. Throws when the key file is unreadable. */
export function loadOrCreateIdentity(deps: IdentityDeps): BoxIdentity {
  const dir = identityDir(deps.dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, keyFile);
  if (!fs.existsSync(file)) create(dir, deps);
  tightenMode(file, deps.log);
  const privateKey = createPrivateKey(fs.readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return identityOf(privateKey, readCreatedMs(dir, file));
}

function identityOf(privateKey: KeyObject, createdMs: number): BoxIdentity {
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const fingerprint = fingerprintOf(spki);
  return {
    boxId: `nvr-${fingerprint.slice(0, 12)}`,
    algorithm: 'Ed25519',
    fingerprint,
    publicKeySpki: spki.toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdMs,
    hostname: os.hostname(),
    sign: (data) => sign(null, data, privateKey),
  };
}

/** Writes the new private key atomically (temp file 0600, fsync, rename): never half a key. */
function create(dir: string, deps: IdentityDeps): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const tmp = path.join(dir, `.${keyFile}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, String(pem));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, keyFile));
  const createdMs = deps.clock.nowMs();
  fs.writeFileSync(path.join(dir, metaFile), `${JSON.stringify({ createdMs, created: new Date(createdMs).toISOString() }, null, 2)}\n`, { mode: 0o644 });
  const id = identityOf(privateKey, createdMs);
  deps.log.warn({ boxId: id.boxId, fingerprint: id.fingerprint }, 'box identity created: write the key fingerprint into the post\'s records');
}

/** A private key readable by others is made private again (and said so). */
function tightenMode(file: string, log: Logger): void {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  fs.chmodSync(file, 0o600);
  log.warn({ file, mode: mode.toString(8) }, 'box private key was readable by others: mode set to 0600');
}

function readCreatedMs(dir: string, file: string): number {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, metaFile), 'utf8')) as { createdMs?: unknown };
    if (typeof meta.createdMs === 'number' && Number.isSafeInteger(meta.createdMs)) return meta.createdMs;
  } catch { /* fall back to the key file's time */ }
  return Math.floor(fs.statSync(file).mtimeMs);
}
