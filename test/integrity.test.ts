/**
 * Integrity at rest against a real SQLite index and real files: segments sealed at close
 * and chained per camera; edits, deletions and splices behind the daemon's back found by
 * `nvr fsck` (run in-process through the CLI) and by the background check (driven step by
 * step through its sleep port), while retention's own deletions are not findings.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { makeRunKey, runFolder, type StreamInfo } from '../src/core/types.js';
import { Indexer } from '../src/indexer/indexer.js';
import { chainValue, genesisChain } from '../src/integrity/chain.js';
import { checkChain } from '../src/integrity/checks.js';
import { SegmentSealer } from '../src/integrity/sealer.js';
import { BackgroundVerifier } from '../src/integrity/verifier.js';
import { Retention } from '../src/retention/retention.js';
import { statfsDisk } from '../src/retention/disk.js';
import { openStore, type Store } from '../src/store/db.js';
import { tempDir, writeTestConfig } from './helpers/daemon.js';

const stream: StreamInfo = { videoCodec: 'h264', width: 320, height: 240, fps: 25, audioCodec: null };
/** Yesterday: recent enough that retention keeps it, and fsck (on the system clock) agrees on what is past. */
const t0 = Math.floor(Date.now() / 1000) * 1000 - 86_400_000;
const segMs = 10_000;

interface Bed {
  dataDir: string;
  recordingsDir: string;
  configFile: string;
  store: Store;
  clock: ManualClock;
  sealer: SegmentSealer;
  indexer: Indexer;
  /** Records `count` segments of random bytes for a camera through the real indexer; returns their paths. */
  record(cameraId: string, startMs: number, count: number): string[];
  verifier(): BackgroundVerifier;
  fsck(...args: string[]): Promise<{ code: number; out: string }>;
  close(): void;
}

const beds: Bed[] = [];
afterEach(() => {
  for (const b of beds.splice(0)) b.close();
});

function bed(): Bed {
  const { file, dataDir } = writeTestConfig({ cameras: [] });
  const recordingsDir = path.join(dataDir, 'recordings');
  const store = openStore({ path: path.join(dataDir, 'index.sqlite'), log: silentLogger() });
  const clock = new ManualClock(Date.now());
  const log = silentLogger();
  const sealer = new SegmentSealer({ store, recordingsDir, clock, log });
  const indexer = new Indexer({ store, recordingsDir, log, clock, onSegmentIndexed: (ref) => sealer.segmentIndexed(ref) });
  const b: Bed = {
    dataDir, recordingsDir, configFile: file, store, clock, sealer, indexer,
    record(cameraId, startMs, count) {
      const runKey = makeRunKey(startMs);
      const folder = runFolder(cameraId, startMs);
      fs.mkdirSync(path.join(recordingsDir, folder), { recursive: true });
      indexer.onRunStarted({ cameraId, runKey, anchorMs: startMs, spawnedAtMs: startMs, stream });
      const out: string[] = [];
      for (let seq = 1; seq <= count; seq++) {
        const relPath = `${folder}/${runKey}-${String(seq).padStart(6, '0')}.mp4`;
        const data = randomBytes(4096 + seq);
        fs.writeFileSync(path.join(recordingsDir, relPath), data);
        const s = startMs + (seq - 1) * segMs;
        indexer.onSegmentClosed({ cameraId, runKey, seq, relPath, startMs: s, endMs: s + segMs, mediaDurationMs: segMs, observedCloseMs: s + segMs, sizeBytes: data.length, stream });
        out.push(relPath);
      }
      indexer.onRunEnded({ cameraId, runKey, endedAtMs: startMs + count * segMs, reason: 'stopped', detail: null });
      return out;
    },
    verifier: () => new BackgroundVerifier({
      store, recordingsDir, clock, log, sealer, sleep: async () => {},
      settings: { bytesPerSecond: 1e9, chainCheckIntervalMs: 0, reverifyAfterMs: 3_600_000, idleMs: 1000 },
    }),
    async fsck(...args) {
      const lines: string[] = [];
      const code = await main(['fsck', '--config', file, ...args], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      return { code, out: lines.join('\n') };
    },
    close() {
      store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  beds.push(b);
  return b;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Drive the background check until it has nothing left to do. */
async function runToIdle(v: BackgroundVerifier): Promise<void> {
  for (let i = 0; i < 1000 && await v.step(); i++);
}

describe('sealing at close', () => {
  it('stores each file hash with its row and chains the rows per camera', async () => {
    const b = bed();
    const a = b.record('gate', t0, 3);
    const y = b.record('yard', t0, 2);
    await b.sealer.sealPending(); // queued behind the seals of the closes: waits for them
    const rows = a.map((p) => b.store.integrity.byPath(p)!);
    expect(rows.map((r) => r.sha256)).toEqual(a.map((p) => sha(path.join(b.recordingsDir, p))));
    expect(rows.map((r) => r.chainSeq)).toEqual([1, 2, 3]);
    expect(rows[0]!.chainPrev).toBe(genesisChain);
    expect(rows[1]!.chainPrev).toBe(rows[0]!.chain);
    expect(rows[2]!.chain).toBe(chainValue({ prev: rows[1]!.chain!, sha256: rows[2]!.sha256!, startMs: rows[2]!.startMs, endMs: rows[2]!.endMs, cameraId: 'gate', relPath: a[2]! }));
    expect(b.store.integrity.head('gate')).toMatchObject({ headSeq: 3, head: rows[2]!.chain });
    expect(b.store.integrity.byPath(y[1]!)!.chainSeq).toBe(2);
    expect(checkChain(b.store.integrity, 'gate').findings).toEqual([]);
    expect(b.sealer.stats().find((s) => s.cameraId === 'gate')).toMatchObject({ sealed: 3, failures: 0 });
  });

  it('refuses to rewrite a seal', async () => {
    const b = bed();
    const [p] = b.record('gate', t0, 1);
    await b.sealer.sealPending();
    const db = new Database(path.join(b.dataDir, 'index.sqlite'));
    expect(() => db.prepare('UPDATE segments SET sha256 = ? WHERE rel_path = ?').run('0'.repeat(64), p)).toThrow(/keeps its hash/);
    db.close();
  });
});

describe('tampering behind the daemon\'s back', () => {
  it('fsck and the background check report edits, deletions and splices; retention\'s deletions are not findings', async () => {
    const b = bed();
    const gate = b.record('gate', t0, 8);
    const old = b.record('yard', t0 - 40 * 86_400_000, 3); // older than retention keeps
    const yard = b.record('yard', t0, 2);
    await b.sealer.sealPending();
    await new Retention({
      store: b.store, recordingsDir: b.recordingsDir, reserveFile: path.join(b.dataDir, 'reserve.bin'), disk: statfsDisk(b.recordingsDir),
      clock: b.clock, log: silentLogger(), cameras: () => [{ id: 'yard', enabled: true }, { id: 'gate', enabled: true }],
      settings: { maxAgeDays: 30, minFreeFraction: 0.01, minFreeMinutes: 0, highWater: 0.02, warnHoursLeft: 0, checkIntervalMs: 1000 },
      recording: { pause: () => {}, resume: () => {} },
    }).tick();
    expect(old.every((p) => !fs.existsSync(path.join(b.recordingsDir, p)))).toBe(true);
    expect((await b.fsck()).code).toBe(0);

    const abs = (p: string) => path.join(b.recordingsDir, p);
    const edited = fs.readFileSync(abs(gate[1]!));
    edited[100] = edited[100]! ^ 0x01;
    fs.writeFileSync(abs(gate[1]!), edited); // 1: one bit flipped
    fs.unlinkSync(abs(gate[2]!)); // 2: file deleted, row left
    fs.unlinkSync(abs(gate[3]!)); // 3: file deleted and its row removed (what the watcher does)
    b.store.segments.deleteByIds([b.store.integrity.byPath(gate[3]!)!.id]);
    fs.appendFileSync(abs(yard[0]!), Buffer.from('x')); // 4: bytes appended
    const db = new Database(path.join(b.dataDir, 'index.sqlite'));
    db.prepare('UPDATE segments SET start_ms = start_ms - 5000 WHERE rel_path = ?').run(gate[4]); // 5: row moved in time
    db.exec('DROP TRIGGER segments_removed_tombstone'); // 6: a row spliced out without trace
    db.prepare('DELETE FROM segments WHERE rel_path = ?').run(gate[5]);
    db.prepare('DELETE FROM segments WHERE rel_path = ?').run(gate[7]); // 7: the newest row gone
    db.close();
    fs.unlinkSync(abs(gate[5]!));
    fs.unlinkSync(abs(gate[7]!));

    const v = b.verifier();
    b.clock.advance(2 * 3_600_000); // sealing counted as the first read; now every file is due again
    await runToIdle(v);
    expect(v.status().filesVerified).toBe(7); // every sealed row still indexed: gate 1, 2, 3, 5, 7 and yard's two
    const health = v.healthFindings();
    expect(health).toHaveLength(1);
    expect(health[0]!.severity).toBe('critical');
    expect(health[0]!.reason).toMatch(/integrity: 7 problem\(s\)/);

    const { code, out } = await b.fsck();
    expect(code).toBe(1);
    const expected: [string, string][] = [
      ['hash-mismatch', gate[1]!], ['missing-file', gate[2]!], ['removed-outside-retention', gate[3]!],
      ['size-mismatch', yard[0]!], ['row-edited', gate[4]!], ['link-missing', 'chain position 6'], ['head-mismatch', 'chain position 8'],
    ];
    for (const [kind, where] of expected) expect(out).toMatch(new RegExp(`MISMATCH ${kind} camera \\w+ ?[^\\n]*${where.replace(/[.]/g, '\\.')}`));
    expect(out).toContain('fsck: 7 mismatch(es) found');
    expect(out).not.toContain(old[0]!); // retention's deletions are not findings
    expect(b.store.findings.openCount()).toBe(7); // fsck and the background check agree: no new finding
  });

  it('the background check finds an edit on its own, resolves it when the file is restored, and acknowledging clears health', async () => {
    const b = bed();
    const gate = b.record('gate', t0, 3);
    const v = b.verifier();
    await runToIdle(v);
    expect(v.status().filesVerified).toBe(0); // just sealed: sealing was their first read
    b.clock.advance(2 * 3_600_000);
    await runToIdle(v);
    expect(v.healthFindings()).toEqual([]);
    expect(v.status().filesVerified).toBe(3);
    const file = path.join(b.recordingsDir, gate[0]!);
    const original = fs.readFileSync(file);
    const edited = Buffer.from(original);
    edited[0] = edited[0]! ^ 0xff;
    fs.writeFileSync(file, edited);
    b.clock.advance(2 * 3_600_000); // past reverifyAfterMs: files are read again
    await runToIdle(v);
    expect(v.healthFindings()[0]?.reason).toMatch(new RegExp(`hash-mismatch ${gate[0]}`));

    fs.writeFileSync(file, original);
    b.clock.advance(2 * 3_600_000);
    await runToIdle(v);
    expect(v.healthFindings()).toEqual([]);

    fs.unlinkSync(path.join(b.recordingsDir, gate[2]!));
    b.store.segments.deleteByIds([b.store.integrity.byPath(gate[2]!)!.id]);
    v.checkChains();
    expect(v.healthFindings()).toHaveLength(1);
    const ack = await b.fsck('--no-hash', '--acknowledge');
    expect(ack.out).toMatch(/acknowledged 1 open finding/);
    expect(v.healthFindings()).toEqual([]);
    expect(b.store.findings.all(10).map((f) => f.kind)).toEqual(['hash-mismatch', 'removed-outside-retention']);
  });
});

describe('chain upkeep', () => {
  it('prunes tombstones retention left at the start of a chain, and the chain still verifies', async () => {
    const b = bed();
    const old = b.record('yard', t0 - 40 * 86_400_000, 4);
    b.record('yard', t0, 2);
    await b.sealer.sealPending();
    const ids = old.map((p) => b.store.integrity.byPath(p)!.id);
    b.store.garbage.collect({ reason: 'age', cameraId: 'yard', beforeMs: t0 }, b.clock.nowMs(), 100);
    expect(b.store.segments.filesOfCamera('yard').map((r) => r.id)).not.toContain(ids[0]);
    const v = b.verifier();
    expect(v.checkChains()).toBe(0);
    expect(b.store.integrity.head('yard')).toMatchObject({ baseSeq: 4, headSeq: 6 });
    expect(b.store.integrity.links('yard', 0, 10).map((l) => l.chainSeq)).toEqual([5, 6]);
    expect(checkChain(b.store.integrity, 'yard').findings).toEqual([]);
  });

  it('seals rows indexed before sealing existed (catch-up), oldest first', async () => {
    const b = bed();
    const dir = tempDir();
    const plain = new Indexer({ store: b.store, recordingsDir: b.recordingsDir, log: silentLogger(), clock: b.clock });
    const runKey = makeRunKey(t0);
    fs.mkdirSync(path.join(b.recordingsDir, runFolder('gate', t0)), { recursive: true });
    for (let seq = 1; seq <= 3; seq++) {
      const relPath = `${runFolder('gate', t0)}/${runKey}-00000${seq}.mp4`;
      fs.writeFileSync(path.join(b.recordingsDir, relPath), randomBytes(1000));
      plain.onSegmentClosed({ cameraId: 'gate', runKey, seq, relPath, startMs: t0 + seq * segMs, endMs: t0 + (seq + 1) * segMs, mediaDurationMs: segMs, observedCloseMs: 0, sizeBytes: 1000, stream });
    }
    expect(b.store.integrity.unsealedCounts()).toEqual([{ cameraId: 'gate', count: 3, oldestMs: t0 + segMs }]);
    expect(await b.sealer.sealPending()).toBe(3);
    expect(b.store.integrity.unsealedCounts()).toEqual([]);
    expect(checkChain(b.store.integrity, 'gate').findings).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the background check when idle', () => {
  /** The pause the loop asks for once it has nothing to do (its sleep port holds until close). */
  async function firstIdlePause(b: Bed, settings: { chainCheckIntervalMs: number; reverifyAfterMs: number }): Promise<number> {
    const asked: number[] = [];
    const v = new BackgroundVerifier({
      store: b.store, recordingsDir: b.recordingsDir, clock: b.clock, log: silentLogger(), sealer: b.sealer,
      sleep: (ms, signal) => { asked.push(ms); return new Promise((r) => signal.addEventListener('abort', () => r())); },
      settings: { bytesPerSecond: 1e9, idleMs: 1000, maxIdleMs: 60_000, ...settings },
    });
    v.start();
    for (let i = 0; i < 200 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await v.close();
    expect(asked).toHaveLength(1);
    return asked[0]!;
  }

  it('sleeps until the next file or chain check is due, at most maxIdleMs, at least idleMs', async () => {
    const b = bed();
    b.record('gate', t0, 2);
    await b.sealer.sealPending(); // sealed now: first due again in reverifyAfterMs
    expect(await firstIdlePause(b, { chainCheckIntervalMs: 600_000, reverifyAfterMs: 3_600_000 })).toBe(60_000);
    expect(await firstIdlePause(b, { chainCheckIntervalMs: 25_000, reverifyAfterMs: 3_600_000 })).toBe(25_000);
    b.clock.advance(3_600_000 - 20_000);
    expect(await firstIdlePause(b, { chainCheckIntervalMs: 600_000, reverifyAfterMs: 3_600_000 })).toBe(20_000);
    b.clock.advance(19_500);
    expect(await firstIdlePause(b, { chainCheckIntervalMs: 600_000, reverifyAfterMs: 3_600_000 })).toBe(1000);
  });
});
