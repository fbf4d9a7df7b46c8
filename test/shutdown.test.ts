/**
 * Shutdown order with a real SIGTERM to a real daemon recording a real RTSP camera:
 * STOPPING, HTTP closed, recorders stopped (each ffmpeg finishes its segment, which is
 * indexed), database closed, exit 0. Afterwards every file has a row and every row a
 * file, the last segment ends where the signal arrived, the run ended 'stopped', and the
 * database needs no recovery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { ffmpegPidsMentioning, listSegmentFiles, readSegments, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';

interface LogLine { time: string; msg: string }

/** observed_close_ms by file: the wall time the recorder saw each segment close. */
function readCloses(dataDir: string): Map<string, number> {
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT rel_path AS relPath, observed_close_ms AS closedMs FROM segments').all() as { relPath: string; closedMs: number }[];
    return new Map(rows.map((r) => [r.relPath, r.closedMs]));
  } finally {
    db.close();
  }
}

describe('SIGTERM to a recording daemon', () => {
  let cam: TestCamera;
  let daemon: DaemonProcess;
  let dataDir: string;
  let signalAtMs = 0;
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  let httpRefusedAtMs: number | null = null;

  beforeAll(async () => {
    cam = await startTestCamera({ width: 640, height: 360, fps: 25, keyintFrames: 25 });
    const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url }], segmentSeconds: 2 });
    dataDir = cfg.dataDir;
    daemon = spawnDaemon(cfg.file);
    const url = await daemon.url();
    await waitFor('3 segments', () => readSegments(dataDir, 'cam1').length >= 3, 40_000);
    // Land the signal inside a segment (1 s into a 2 s one), where ffmpeg has data to finish.
    await new Promise((r) => setTimeout(r, 1000));
    signalAtMs = Date.now();
    daemon.child.kill('SIGTERM');
    // Poll HTTP until it refuses: when did it stop answering?
    while (daemon.child.exitCode === null && httpRefusedAtMs === null) {
      try { await fetch(`${url}/api/v1/health`); } catch { httpRefusedAtMs = Date.now(); }
    }
    exit = await daemon.exited;
  }, 90_000);

  afterAll(async () => { await cam?.stop(); });

  const log = (): LogLine[] => daemon.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
  const at = (msg: string): number => {
    const line = log().find((l) => l.msg === msg);
    expect(line, `log line '${msg}'`).toBeDefined();
    return Date.parse(line!.time);
  };

  it('exits 0 and leaves no ffmpeg behind', () => {
    expect(exit).toEqual({ code: 0, signal: null });
    expect(ffmpegPidsMentioning(dataDir)).toEqual([]);
  });

  it('stops in order: HTTP, then recorders with their last segments indexed, then the index', () => {
    const http = at('http and live view closed');
    const recorders = at('recorders stopped and their last segments indexed');
    const index = at('index closed');
    expect(http).toBeLessThanOrEqual(recorders);
    expect(recorders).toBeLessThanOrEqual(index);
    // HTTP refused connections while the daemon was still stopping its recorders.
    expect(httpRefusedAtMs).not.toBeNull();
    expect(httpRefusedAtMs!).toBeLessThanOrEqual(index + 50);
  });

  it('loses nothing: files and rows agree, and the last segment ends at the signal', () => {
    const rows = readSegments(dataDir, 'cam1');
    expect(listSegmentFiles(dataDir)).toEqual(rows.map((r) => r.rel_path).sort());
    const last = rows[rows.length - 1]!;
    const closed = readCloses(dataDir);
    const lastClose = closed.get(last.rel_path)!;
    // The last segment was closed by the shutdown (after the signal) and indexed.
    expect(lastClose).toBeGreaterThanOrEqual(signalAtMs);
    expect(lastClose).toBeLessThan(signalAtMs + 5000);
    // It holds footage right up to the signal: end minus observed close is the same for it
    // as for the full segments before it (the recorder's anchor puts every end about one
    // GOP after its observed close here; comparing like with like keeps that out).
    const offsets = rows.slice(0, -1).map((r) => r.end_ms - closed.get(r.rel_path)!);
    const typical = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    expect(Math.abs(last.end_ms - lastClose - typical)).toBeLessThan(300);
    expect(Math.abs(last.end_ms - signalAtMs)).toBeLessThan(2000);
    expect(last.end_ms - last.start_ms).toBeGreaterThan(300); // the cut-short segment is kept, not dropped
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.start_ms).toBe(rows[i - 1]!.end_ms); // one run, no holes
  });

  it('closes the database cleanly: run ended "stopped", WAL checkpointed, integrity ok', () => {
    const file = path.join(dataDir, 'index.sqlite');
    const wal = `${file}-wal`;
    // The last connection's close checkpoints and removes the WAL: nothing to recover.
    expect(!existsSync(wal) || statSync(wal).size === 0, 'no WAL left to replay').toBe(true);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const runs = db.prepare('SELECT end_reason AS reason FROM runs WHERE camera_id = ?').all('cam1') as { reason: string | null }[];
      expect(runs).toEqual([{ reason: 'stopped' }]);
    } finally {
      db.close();
    }
  });
});

describe('a start that fails after the recorders started', () => {
  it('stops them and exits non-zero at once, so systemd restarts it (HTTP port taken)', async () => {
    const cam = await startTestCamera({ width: 320, height: 180, fps: 25, keyintFrames: 25 });
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (squatter.address() as { port: number }).port;
      const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url }], port });
      const startedAt = Date.now();
      const d = spawnDaemon(cfg.file);
      const { code } = await d.exited;
      expect(code).toBe(1);
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(d.output()).toMatch(/nvr: cannot start: listen EADDRINUSE/);
      expect(d.output()).toContain('"reason":"start failed"');
      expect(ffmpegPidsMentioning(cfg.dataDir)).toEqual([]);
    } finally {
      squatter.close();
      await cam.stop();
    }
  });
});
