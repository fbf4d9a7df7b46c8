/**
 * The auth services over a real SQLite file: scrypt hashes (production parameters),
 * accounts and their last-admin rule, sessions with idle and absolute expiry (manual
 * clock), tokens stored as hashes only, the login rate limit, and the first-start admin.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureInitialAdmin, initialAdminFileName } from '../src/auth/initial-admin.js';
import { hashPassword, verifyPassword } from '../src/auth/password.js';
import { defaultPolicy } from '../src/auth/policy.js';
import { ManualClock } from '../src/core/clock.js';
import { isNvrError, type NvrError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import { createAuthFixture, type AuthFixture } from './helpers/api-deps.js';

let clock: ManualClock;
let fx: AuthFixture;

beforeEach(() => {
  clock = new ManualClock(Date.parse('2026-11-28T01:00:00Z'));
  fx = createAuthFixture({ clock });
});
afterEach(() => fx.close());

/** The NvrError a promise or function rejects with. */
async function failure(fn: () => unknown): Promise<NvrError> {
  try {
    await fn();
  } catch (err) {
    if (isNvrError(err)) return err;
    throw err;
  }
  throw new Error('expected an NvrError');
}

function raw(): Database.Database {
  return new Database(path.join(fx.dir, 'index.sqlite'), { readonly: true });
}

describe('passwords (scrypt, production parameters)', () => {
  it('stores parameters and a per-hash salt; verifies the right password only', async () => {
    const a = await hashPassword('correct horse battery', defaultPolicy.scrypt);
    const b = await hashPassword('correct horse battery', defaultPolicy.scrypt);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b); // different salts
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterx', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, and never matches a malformed one', async () => {
    const cheap = await hashPassword('pw-0123456789', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('pw-0123456789', cheap)).toBe(true);
    for (const bad of ['', 'plain', 'scrypt$1024$8$1$x', cheap.replace('$1024$', '$4194304$'), cheap.replace(/\$[^$]+$/, '$AAAA')]) {
      expect(await verifyPassword('pw-0123456789', bad), bad).toBe(false);
    }
  });
});

describe('accounts', () => {
  it('creates users without exposing hashes; refuses a taken name and bad input naming the field', async () => {
    await fx.addUser('alice', 'investigator');
    expect(fx.auth.accounts.list()).toEqual([expect.objectContaining({ username: 'alice', role: 'investigator', lastLoginMs: null })]);
    expect(JSON.stringify(fx.auth.accounts.list())).not.toMatch(/scrypt|hash/i);
    expect((await failure(() => fx.addUser('alice', 'viewer'))).code).toBe('CONFLICT');
    const badName = await failure(() => fx.auth.accounts.create({ username: 'Bob:x', password: 'long-enough-1', role: 'viewer' }));
    expect(badName.message).toContain("username 'Bob:x'");
    const shortPw = await failure(() => fx.auth.accounts.create({ username: 'bob', password: 'short', role: 'viewer' }));
    expect(shortPw.message).toMatch(/password must be 10 to 256 characters \(got 5\)/);
    expect(shortPw.message).not.toContain('short');
  });

  it('never demotes or removes the last admin', async () => {
    await fx.addUser('root1', 'admin');
    const [admin] = fx.auth.accounts.list();
    expect((await failure(() => fx.auth.accounts.update(admin!.id, { role: 'viewer' }))).message).toContain('last admin');
    expect((await failure(() => fx.auth.accounts.remove(admin!.id))).code).toBe('CONFLICT');
    await fx.addUser('root2', 'admin');
    expect((await fx.auth.accounts.update(admin!.id, { role: 'viewer' })).role).toBe('viewer');
    expect((await failure(() => fx.auth.accounts.update(999, { role: 'viewer' }))).code).toBe('NOT_FOUND');
  });

  it('a password change ends the user\'s sessions; a role change applies to a live session at once', async () => {
    const pw = await fx.addUser('carol', 'investigator');
    const { sessionId, user } = await fx.auth.sessions.login('carol', pw, '10.0.0.9');
    expect(fx.auth.sessions.principal(sessionId)).toMatchObject({ name: 'carol', role: 'investigator', via: 'session' });
    await fx.auth.accounts.update(user.id, { role: 'viewer' });
    expect(fx.auth.sessions.principal(sessionId)?.role).toBe('viewer');
    await fx.auth.accounts.update(user.id, { password: 'a-new-password-42' });
    expect(fx.auth.sessions.principal(sessionId)).toBeNull();
    await expect(fx.auth.sessions.login('carol', pw, '10.0.0.9')).rejects.toThrow('wrong username or password');
    await expect(fx.auth.sessions.login('carol', 'a-new-password-42', '10.0.0.9')).resolves.toBeTruthy();
  });
});

describe('sessions', () => {
  it('stores only the sha256 of the session id and ends it after the idle limit', async () => {
    const pw = await fx.addUser('dan', 'viewer');
    const { sessionId } = await fx.auth.sessions.login('DAN ', pw, '10.0.0.9'); // case and spaces forgiven
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const db = raw();
    const rows = db.prepare('SELECT id_hash, address FROM sessions').all() as { id_hash: string; address: string }[];
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.id_hash).not.toContain(sessionId);
    // Used every 50 minutes: the idle limit (60 min) counts from the last use.
    for (let i = 0; i < 3; i += 1) {
      clock.advance(50 * 60_000);
      expect(fx.auth.sessions.principal(sessionId), `use ${i}`).not.toBeNull();
    }
    clock.advance(60 * 60_000);
    expect(fx.auth.sessions.principal(sessionId)).toBeNull();
  });

  it('ends a busy session at its absolute lifetime (12 h)', async () => {
    const pw = await fx.addUser('eve', 'viewer');
    const { sessionId, expiresMs } = await fx.auth.sessions.login('eve', pw, '10.0.0.9');
    expect(expiresMs - clock.nowMs()).toBe(12 * 3600_000);
    while (clock.nowMs() + 30 * 60_000 < expiresMs) {
      clock.advance(30 * 60_000);
      expect(fx.auth.sessions.principal(sessionId)).not.toBeNull();
    }
    clock.advance(30 * 60_000);
    expect(fx.auth.sessions.principal(sessionId)).toBeNull();
  });

  it('logout ends the session; forged ids are refused', async () => {
    const pw = await fx.addUser('fay', 'viewer');
    const { sessionId } = await fx.auth.sessions.login('fay', pw, '10.0.0.9');
    // The forged id differs from the real one in its last character whatever that character is
    // (a fixed 'A' equalled it 1 time in 16: a 32-byte id's last base64url digit has 16 values).
    const lastFlipped = sessionId.endsWith('A') ? 'B' : 'A';
    for (const forged of ['', 'x', `${sessionId.slice(0, -1)}${lastFlipped}`, `${sessionId}' OR 1=1 --`]) {
      expect(fx.auth.sessions.principal(forged), forged).toBeNull();
    }
    fx.auth.sessions.logout(sessionId);
    expect(fx.auth.sessions.principal(sessionId)).toBeNull();
  });
});

describe('login rate limit', () => {
  it('allows 5 attempts per user name in 5 minutes, then RATE_LIMITED with the seconds to wait', async () => {
    const pw = await fx.addUser('gus', 'viewer');
    for (let i = 0; i < 5; i += 1) {
      clock.advance(10_000);
      expect((await failure(() => fx.auth.sessions.login('gus', 'wrong-password', `10.0.1.${i}`))).code).toBe('UNAUTHORIZED');
    }
    // From yet another address, even with the right password: the name is locked.
    const limited = await failure(() => fx.auth.sessions.login('gus', pw, '10.0.1.99'));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.details).toEqual({ retryAfterSeconds: 300 - 40 });
    expect(limited.message).toContain("user name 'gus'");
    clock.advance(260_000); // the first failure leaves the window
    await expect(fx.auth.sessions.login('gus', pw, '10.0.1.99')).resolves.toBeTruthy();
  });

  it('limits one address across user names, counts parallel guesses, forgives successes', async () => {
    const pw = await fx.addUser('hal', 'viewer');
    for (let i = 0; i < 3; i += 1) await fx.auth.sessions.login('hal', pw, '10.0.2.1'); // successes do not count
    // Ten guesses at once: scrypt runs in parallel, yet only 5 get a verdict.
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => fx.auth.sessions.login(`user${i}`, 'guess-guess', '10.0.2.1')));
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as NvrError).code : 'ok'));
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(5);
    expect((await failure(() => fx.auth.sessions.login('hal', pw, '10.0.2.1'))).message).toContain('address 10.0.2.1');
    await expect(fx.auth.sessions.login('hal', pw, '10.0.2.2')).resolves.toBeTruthy();
  });
});

describe('API tokens', () => {
  it('stores only the sha256; the token authenticates until revoked', () => {
    const { token, view } = fx.auth.tokens.create({ name: 'nightly-export', role: 'investigator', createdBy: 'admin' });
    expect(token).toMatch(/^nvr_[A-Za-z0-9_-]{43}$/);
    const db = raw();
    const dump = JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
    db.close();
    expect(dump).not.toContain(token.slice(4));
    expect(fx.auth.tokens.principal(token)).toEqual({ id: `token:${view.id}`, name: 'token:nightly-export', role: 'investigator', via: 'token' });
    expect(fx.auth.tokens.list().find((t) => t.id === view.id)?.lastUsedMs).toBe(clock.nowMs());
    expect(fx.auth.tokens.revoke(view.id).revokedMs).toBe(clock.nowMs());
    expect(fx.auth.tokens.principal(token)).toBeNull();
    // The name is free again once revoked; a live duplicate is a conflict.
    fx.auth.tokens.create({ name: 'nightly-export', role: 'viewer', createdBy: 'admin' });
    expect(() => fx.auth.tokens.create({ name: 'nightly-export', role: 'viewer', createdBy: 'admin' })).toThrow(/already named 'nightly-export'/);
    expect(() => fx.auth.tokens.revoke(12345)).toThrow(/no API token with id 12345/);
  });
});

describe('first start', () => {
  it('creates admin with a random password in a 0600 file and logs the path, not the password', async () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }) });
    const fresh = createAuthFixture({ clock });
    // The fixture made tokens only: no users yet.
    const file = await ensureInitialAdmin(fresh.auth.accounts, fresh.dir, log);
    expect(file).toBe(path.join(fresh.dir, initialAdminFileName));
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(file!, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(lines.join('')).toContain(file!);
    expect(lines.join('')).not.toContain(password);
    await expect(fresh.auth.sessions.login('admin', password, '127.0.0.1')).resolves.toMatchObject({ user: { role: 'admin' } });
    // Announced once: a second start finds a user and does nothing.
    expect(await ensureInitialAdmin(fresh.auth.accounts, fresh.dir, log)).toBeNull();
    expect(lines.filter((l) => l.includes(initialAdminFileName))).toHaveLength(1);
    fresh.close();
  });
});
