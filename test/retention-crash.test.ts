/**
 * kill -9 in the middle of a deletion batch, then a restart of the real daemon: no row
 * without a file, no file without a row, nothing left in garbage, nothing re-indexed or
 * quarantined. The batch runs in a child process (the built retention code) that blocks
 * at an exact deletion checkpoint; the test SIGKILLs it there.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { openStore } from '../src/store/db.js';
import { spawnDaemon, tempDir, waitFor, writeTestConfig } from './helpers/daemon.js';
import { filesUnder, seedRun } from './helpers/footage.js';

const dayMs = 86_400_000;
const childScript = new URL('./helpers/deletion-child.mjs', import.meta.url).pathname;

function readIndex(dataDir: string): { rows: string[]; garbage: string[] } {
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  try {
    const rows = (db.prepare('SELECT rel_path FROM segments ORDER BY rel_path').pluck().all() as string[]);
    const garbage = (db.prepare('SELECT rel_path FROM garbage ORDER BY rel_path').pluck().all() as string[]);
    return { rows, garbage };
  } finally {
    db.close();
  }
}

/** 6 segments 10 days old (past the child's 5-day limit) and 4 from today. */
function seedDataDir(): { dataDir: string; old: string[]; recent: string[] } {
  const dataDir = tempDir('nvr-crash-del-');
  const recordingsDir = path.join(dataDir, 'recordings');
  const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
  const base = { store, recordingsDir, clock: systemClock, cameraId: 'gate', segmentMs: 60_000, sizeBytes: 20_000 };
  const old = seedRun({ ...base, startMs: Date.now() - 10 * dayMs, count: 6 });
  const recent = seedRun({ ...base, startMs: Date.now() - 3_600_000, count: 4 });
  store.close();
  return { dataDir, old, recent };
}

async function runChildUntilStopped(dataDir: string, stopAt: number): Promise<number> {
  const child = spawn(process.execPath, [childScript, dataDir, String(stopAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const handled = await waitFor(`the child to stop at checkpoint ${stopAt}`, () => /STOPPED (\d+)/.exec(out)?.[1], 20_000, 20);
  child.kill('SIGKILL');
  await exited;
  return Number(handled);
}

describe('kill -9 in the middle of a deletion batch', () => {
  // Checkpoint 0: rows moved to garbage, nothing unlinked. 3: half unlinked. 6: all
  // unlinked, garbage rows not dropped yet.
  it.each([0, 3, 6])('crash at checkpoint %i, then a daemon restart leaves rows and files in agreement', async (stopAt) => {
    const { dataDir, old, recent } = seedDataDir();
    const handled = await runChildUntilStopped(dataDir, stopAt);
    expect(handled).toBe(stopAt);

    // The crash state: the batch is in garbage (never in both tables), `stopAt` files gone.
    const crashed = readIndex(dataDir);
    expect(crashed.rows).toEqual([...recent].sort());
    expect(crashed.garbage).toEqual([...old].sort());
    expect(filesUnder(path.join(dataDir, 'recordings'))).toEqual([...old.slice(stopAt), ...recent].sort());

    const cfg = writeTestConfig({ dataDir, cameras: [{ id: 'gate', url: 'rtsp://127.0.0.1:9/nothing-here' }] });
    const daemon = spawnDaemon(cfg.file);
    try {
      await daemon.url().catch((err: Error) => { throw new Error(`${err.message}\n${daemon.output().slice(-3000)}`); });
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    const after = readIndex(dataDir);
    const files = filesUnder(path.join(dataDir, 'recordings'));
    expect(after.garbage).toEqual([]);
    expect(after.rows).toEqual(files);
    expect(files).toEqual([...recent].sort());
    expect(fs.existsSync(path.join(dataDir, 'quarantine', 'gate'))).toBe(false);
    expect(daemon.output()).toContain('leftover garbage from the last run finished');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
