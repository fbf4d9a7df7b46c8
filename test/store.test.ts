/**
 * The index store on real SQLite files: migrations, pragmas, the schema documentation and
 * the query plan of the coverage query.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { openStore, type Store } from '../src/store/db.js';
import { latestSchemaVersion, migrations } from '../src/store/migrations.js';
import { schemaV1Sql, schemaV2Sql } from '../src/store/schema.js';
import { overlapSql, type NewSegment } from '../src/store/segments-repo.js';

const stream = { videoCodec: 'h264', width: 1280, height: 720, fps: 25, audioCodec: 'aac' };
const t0 = Date.UTC(2026, 10, 28, 0, 0, 0);

let dir: string;
let dbPath: string;
const open = (): Store => openStore({ path: dbPath, log: silentLogger(), clock: new ManualClock(t0) });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-'));
  dbPath = path.join(dir, 'index.sqlite');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function seg(runId: number, cameraId: string, seq: number, startMs: number, lengthMs: number): NewSegment {
  return {
    cameraId, runId, seq, startMs, endMs: startMs + lengthMs, mediaDurationMs: lengthMs, observedCloseMs: startMs + lengthMs + 50,
    sizeBytes: 1_000_000, relPath: `${cameraId}/2026-11-28/r${runId}-${String(seq).padStart(6, '0')}.mp4`,
    videoCodec: 'h264', width: 1280, height: 720, audioCodec: null, recovered: false,
  };
}

describe('store', () => {
  it('migrates a new file once; reopening applies nothing', () => {
    const first = open();
    first.close();
    const raw = new Database(dbPath, { readonly: true });
    expect(raw.prepare('SELECT version, applied_ms FROM schema_migrations').all()).toEqual(migrations.map((m) => ({ version: m.version, applied_ms: t0 })));
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['cameras', 'runs', 'schema_migrations', 'segments', 'users', 'sessions', 'api_tokens', 'audit_log']));
    raw.close();
    for (let i = 0; i < 2; i += 1) open().close();
    const again = new Database(dbPath, { readonly: true });
    expect(again.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(migrations.length);
    again.close();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1)); // numbered without holes
    expect(latestSchemaVersion).toBe(migrations.length);
  });

  it('refuses a database written by a newer build', () => {
    open().close();
    const raw = new Database(dbPath);
    raw.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (99, 0)').run();
    raw.close();
    expect(() => open()).toThrow(/schema version 99 is newer/);
  });

  it('embeds exactly the documented schema.sql', () => {
    const documented = fs.readFileSync(new URL('../src/store/schema.sql', import.meta.url), 'utf8');
    expect(schemaV1Sql + schemaV2Sql).toBe(documented);
  });

  it.each([
    ['1', schemaV1Sql, 2 + 4 + 15 + 15],
    ['2', schemaV2Sql, 7 + 6 + 8 + 13],
  ])('has a comment on every column of schema.sql, version %s', (_version, sql, expectedColumns) => {
    const lines = sql.split('\n');
    const uncommented: string[] = [];
    let columns = 0;
    let inTable = false;
    lines.forEach((line, i) => {
      if (/^CREATE TABLE/.test(line)) inTable = true;
      else if (/^\)/.test(line)) inTable = false;
      else if (inTable && /^\s+[a-z_]+ (INTEGER|TEXT|REAL)/.test(line)) {
        columns += 1;
        if (!/^\s*--/.test(lines[i - 1] ?? '')) uncommented.push(line.trim());
      }
    });
    expect(columns).toBe(expectedColumns);
    expect(uncommented).toEqual([]);
  });

  it('runs in WAL with NORMAL sync, a busy timeout and foreign keys on', () => {
    const store = open();
    expect(store.pragma('journal_mode')).toBe('wal');
    expect(store.pragma('synchronous')).toBe(1);
    expect(store.pragma('busy_timeout')).toBe(5000);
    expect(store.pragma('foreign_keys')).toBe(1);
    store.close();
  });

  it('rejects non-integer times (STRICT) and segments of unknown runs (foreign keys)', () => {
    const store = open();
    store.cameras.ensure('cam1', 'Gate', t0);
    const { row } = store.runs.insertIfAbsent({ cameraId: 'cam1', runKey: 'k1', spawnedMs: t0, startMs: t0, stream });
    expect(() => store.segments.insert({ ...seg(row.id, 'cam1', 1, t0, 1000), endMs: t0 + 1000.5 })).toThrow(/REAL/);
    expect(() => store.segments.insert(seg(row.id + 1, 'cam1', 1, t0, 1000))).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('answers the coverage query from the covering index, bounded on both sides', () => {
    const store = open();
    store.close();
    const raw = new Database(dbPath, { readonly: true });
    const plan = raw.prepare(`EXPLAIN QUERY PLAN ${overlapSql}`).all({ cameraId: 'c', fromMs: 0, toMs: 1, maxSegmentMs: 60_000 }) as { detail: string }[];
    raw.close();
    const details = plan.map((p) => p.detail).join(' | ');
    expect(details).toMatch(/SEARCH segments USING COVERING INDEX segments_camera_start \(camera_id=\? AND start_ms>\? AND start_ms<\?\)/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });

  it('keeps range queries well under a millisecond at 100k segments', () => {
    const store = open();
    const cams = ['cam1', 'cam2', 'cam3', 'cam4'];
    const perCam = 25_000;
    store.transaction(() => {
      for (const cam of cams) {
        store.cameras.ensure(cam, cam, t0);
        const { row } = store.runs.insertIfAbsent({ cameraId: cam, runKey: `run-${cam}`, spawnedMs: t0, startMs: t0, stream });
        for (let i = 0; i < perCam; i += 1) store.segments.insert(seg(row.id, cam, i + 1, t0 + i * 60_000, 60_000));
      }
    });
    const mid = t0 + (perCam / 2) * 60_000;
    const rounds = 2000;
    const started = performance.now();
    for (let i = 0; i < rounds; i += 1) store.segments.overlapping('cam2', mid + i * 1000, mid + i * 1000 + 3_600_000);
    const perQueryMs = (performance.now() - started) / rounds;
    const hour = store.segments.overlapping('cam2', mid + 30_000, mid + 30_000 + 3_600_000);
    expect(hour.length).toBe(61);
    expect(hour[0]?.startMs).toBe(mid);
    console.info(`coverage query, 1 h window, ${cams.length * perCam} rows: ${perQueryMs.toFixed(4)} ms/query`);
    expect(perQueryMs).toBeLessThan(2);
    store.close();
  });

  it('nests transactions and rolls back all of them on error', () => {
    const store = open();
    expect(() => store.transaction(() => {
      store.cameras.ensure('cam1', 'Gate', t0);
      store.transaction(() => store.cameras.ensure('cam2', 'Yard', t0));
      throw new Error('boom');
    })).toThrow('boom');
    expect(store.cameras.list()).toEqual([]);
    store.close();
  });
});
