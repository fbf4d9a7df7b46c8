/**
 * The audit trail on a real SQLite file: appends chain, a row edited or removed with
 * sqlite directly (as a tamperer would, after dropping the append-only triggers) is
 * detected and named, two processes appending to one file keep one chain, and
 * `nvr audit verify` reports it with its exit code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../src/audit/audit-trail.js';
import { main, type CliIo } from '../src/cli/main.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { openStore, type Store } from '../src/store/db.js';
import { auditHash, genesisHash, type AuditRow } from '../src/store/audit-repo.js';

const t0 = Date.parse('2026-11-28T01:00:00Z');
let dir: string;
let dbFile: string;
let clock: ManualClock;
let store: Store;
let trail: AuditTrail;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-audit-'));
  dbFile = path.join(dir, 'index.sqlite');
  clock = new ManualClock(t0);
  store = openStore({ path: dbFile, log: silentLogger(), clock });
  trail = new AuditTrail({ repo: store.audit, clock, log: silentLogger() });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function appendMany(n: number): void {
  for (let i = 1; i <= n; i += 1) {
    clock.advance(1000);
    trail.append({ actor: 'alice', address: '10.0.0.9', action: 'clip', result: 'ok', cameraId: 'gate', fromMs: t0, toMs: t0 + i * 60_000, bytes: i * 1000, detail: `clip ${i}` });
  }
}

/** Changes the file the way someone with shell access would: sqlite, triggers dropped. */
function tamper(sql: string): void {
  const db = new Database(dbFile);
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  db.exec(sql);
  db.close();
}

describe('audit trail', () => {
  it('chains every entry to the one before and reads back newest first', () => {
    appendMany(5);
    const report = trail.verify();
    expect(report).toMatchObject({ ok: true, entries: 5, problem: null });
    const page = trail.list({ fromMs: 0, toMs: t0 + 10_000, limit: 3 });
    expect(page.more).toBe(true);
    expect(page.entries.map((e) => e.id)).toEqual([5, 4, 3]);
    expect(page.entries[0]).toMatchObject({ actor: 'alice', address: '10.0.0.9', action: 'clip', result: 'ok', cameraId: 'gate', fromMs: t0, toMs: t0 + 300_000, bytes: 5000, atMs: t0 + 5000 });
    expect(report.headHash).toBe(page.entries[0]!.hash);
    const db = new Database(dbFile, { readonly: true });
    const first = db.prepare('SELECT prev_hash FROM audit_log WHERE id = 1').pluck().get();
    const links = db.prepare('SELECT count(*) FROM audit_log a JOIN audit_log b ON b.id = a.id + 1 WHERE b.prev_hash = a.hash').pluck().get();
    db.close();
    expect(first).toBe(genesisHash);
    expect(links).toBe(4);
  });

  it('cleans what it stores: credentials redacted, control characters replaced, lengths capped', () => {
    trail.append({ actor: 'x\n\u001b[31mroot', address: '10.0.0.9', action: 'login', result: 'failed', detail: `tried rtsp://admin:s3cret@10.0.0.5/ch1 ${'y'.repeat(5000)}` });
    const [entry] = trail.list({ fromMs: 0, toMs: t0 + 1, limit: 1 }).entries;
    expect(entry!.actor).toBe('x  [31mroot');
    expect(entry!.detail).not.toContain('s3cret');
    expect(entry!.detail!.length).toBe(1000);
    expect(trail.verify().ok).toBe(true);
  });

  it('refuses updates and deletes from the daemon\'s own connection (append-only triggers)', () => {
    appendMany(2);
    const db = new Database(dbFile);
    expect(() => db.prepare("UPDATE audit_log SET detail = 'x' WHERE id = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
    db.close();
  });

  it('names the entry whose detail was edited with sqlite', () => {
    appendMany(6);
    tamper("UPDATE audit_log SET detail = 'clip 4 (nothing to see)' WHERE id = 4");
    const report = trail.verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ id: 4, kind: 'edited' });
    expect(report.problem!.message).toMatch(/^entry 4 \(2026-11-28T01:00:04\.000Z, clip by alice\) was edited/);
    expect(report.entries).toBe(3);
  });

  it('detects an edit that also recomputed the row\'s own hash: the next entry no longer links', () => {
    appendMany(4);
    tamper("UPDATE audit_log SET actor = 'bob' WHERE id = 2");
    expect(trail.verify().problem).toMatchObject({ id: 2, kind: 'edited' });
    // The tamperer knows the hash function and re-hashes row 2: now only the link to 3 breaks.
    const db = new Database(dbFile);
    const row = db.prepare(`SELECT id, at_ms AS atMs, actor, address, action, result, camera_id AS cameraId, from_ms AS fromMs,
      to_ms AS toMs, served_bytes AS servedBytes, detail, prev_hash AS prevHash, hash FROM audit_log WHERE id = 2`).get() as AuditRow;
    db.prepare('UPDATE audit_log SET hash = ? WHERE id = 2').run(auditHash(row.prevHash, 2, row));
    db.close();
    expect(trail.verify().problem).toMatchObject({ id: 3, kind: 'relinked', message: expect.stringContaining('does not link to entry 2') });
  });

  it('detects a removed row in the middle and at the end', () => {
    appendMany(5);
    tamper('DELETE FROM audit_log WHERE id = 3');
    expect(trail.verify().problem).toMatchObject({ id: 3, kind: 'removed', message: 'entry 3 is missing (removed): the trail jumps from entry 2 to entry 4' });
  });

  it('detects rows removed from the end, even after new entries were appended', () => {
    appendMany(5);
    tamper('DELETE FROM audit_log WHERE id >= 4');
    expect(trail.verify().problem).toMatchObject({ id: 4, kind: 'removed', message: 'entries 4..5 are missing (removed from the end of the trail)' });
    trail.append({ actor: 'alice', address: '10.0.0.9', action: 'still', result: 'ok' });
    // The new entry takes id 6, never a reused 4: the hole stays visible.
    expect(trail.verify().problem).toMatchObject({ id: 4, kind: 'removed' });
  });

  it('keeps one chain when two connections (daemon and `nvr token create`) append to one file', () => {
    const other = openStore({ path: dbFile, log: silentLogger(), clock });
    const otherTrail = new AuditTrail({ repo: other.audit, clock, log: silentLogger() });
    for (let i = 0; i < 20; i += 1) {
      (i % 3 === 0 ? otherTrail : trail).append({ actor: i % 3 === 0 ? 'cli' : 'alice', address: 'local', action: 'token.create', result: 'ok' });
    }
    other.close();
    expect(trail.verify()).toMatchObject({ ok: true, entries: 20 });
  });

  it('a failed write refuses the action with UNAVAILABLE instead of losing the entry', () => {
    const db = new Database(dbFile);
    db.exec("CREATE TRIGGER full_disk BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
    db.close();
    expect(() => trail.append({ actor: 'alice', address: '10.0.0.9', action: 'clip', result: 'ok' })).toThrow(/audit trail cannot be written, so 'clip' is refused/);
  });
});

describe('nvr audit verify', () => {
  function capture(): CliIo & { out_: string[]; err_: string[] } {
    const out_: string[] = [];
    const err_: string[] = [];
    return { out_, err_, out: (l) => void out_.push(l), err: (l) => void err_.push(l) };
  }
  function config(): string {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, `storage: {dataDir: ${JSON.stringify(dir)}}\n`);
    return file;
  }

  it('exit 0 with the count and head when intact; exit 1 naming the entry when broken', async () => {
    appendMany(3);
    const ok = capture();
    expect(await main(['audit', 'verify', '--config', config()], ok)).toBe(0);
    expect(ok.out_.join('\n')).toMatch(/^audit trail intact: 3 entries; head [0-9a-f]{64}$/);
    tamper("UPDATE audit_log SET served_bytes = 1 WHERE id = 2");
    const bad = capture();
    expect(await main(['audit', 'verify', '--config', config()], bad)).toBe(1);
    expect(bad.out_[0]).toMatch(/^audit trail BROKEN at entry 2: entry 2 \(.*\) was edited/);
  });

  it('exit 1 when there is no index, 64 on a bad subcommand', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-audit-none-'));
    const file = path.join(empty, 'c.yaml');
    fs.writeFileSync(file, `storage: {dataDir: ${JSON.stringify(path.join(empty, 'data'))}}\n`);
    const io = capture();
    expect(await main(['audit', 'verify', '--config', file], io)).toBe(1);
    expect(io.err_.join('\n')).toContain('no index at');
    expect(fs.existsSync(path.join(empty, 'data'))).toBe(false);
    expect(await main(['audit', 'check'], capture())).toBe(64);
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
