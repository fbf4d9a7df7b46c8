/**
 * Integrity with every real part: the daemon (node bin/nvr.js serve) records a real RTSP
 * test camera and seals each segment as it closes; one sealed file is edited and another
 * deleted behind its back; the background check makes health critical naming both, and
 * `nvr fsck` (a separate process, next to the running daemon) lists both and exits 1.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';

let camera: TestCamera;
let daemon: DaemonProcess | null = null;

beforeAll(async () => {
  camera = await startTestCamera({ width: 320, height: 240, fps: 10, keyintFrames: 10, bitrateKbps: 400 });
});
afterAll(async () => {
  if (daemon && daemon.child.exitCode === null) {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
  await camera?.stop();
});

function sealedRows(dataDir: string): { rel_path: string; sha256: string }[] {
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT rel_path, sha256 FROM segments WHERE sha256 IS NOT NULL ORDER BY chain_seq').all() as { rel_path: string; sha256: string }[];
  } finally {
    db.close();
  }
}

describe('a segment edited or deleted behind the daemon\'s back', () => {
  it('is reported by the background check in health and by nvr fsck', async () => {
    const { file, dataDir } = writeTestConfig({ cameras: [{ id: 'gate', url: camera.url, audio: 'off' }], segmentSeconds: 2 });
    fs.appendFileSync(file, 'integrity:\n  verifyBytesPerSecond: 20000000\n  reverifyHours: 0\n  chainCheckSeconds: 1\n');
    daemon = spawnDaemon(file);
    const url = await daemon.url();
    const rows = await waitFor('four sealed segments', () => { const r = sealedRows(dataDir); return r.length >= 4 && r; }, 60_000, 250);
    const health = async () => (await (await fetch(`${url}/api/v1/health`)).json()) as { status: string; reasons: string[]; identity?: { fingerprint: string } };
    expect((await health()).identity?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await health()).reasons.join('\n')).not.toMatch(/integrity/);

    const edited = path.join(dataDir, 'recordings', rows[1]!.rel_path);
    const bytes = fs.readFileSync(edited);
    bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0x01;
    fs.writeFileSync(edited, bytes);
    fs.unlinkSync(path.join(dataDir, 'recordings', rows[2]!.rel_path));

    const report = await waitFor('health to name both segments', async () => {
      const h = await health();
      const text = h.reasons.join('\n');
      return text.includes(rows[1]!.rel_path) && text.includes(rows[2]!.rel_path) && h;
    }, 60_000, 500);
    expect(report.status).toBe('critical');
    expect(report.reasons.join('\n')).toMatch(new RegExp(`hash-mismatch ${rows[1]!.rel_path}`));

    let out = '';
    let code = 0;
    try {
      out = execFileSync(process.execPath, [path.join(repoRoot, 'bin/nvr.js'), 'fsck', '--config', file], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      code = e.status;
      out = e.stdout;
    }
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`MISMATCH hash-mismatch camera gate ${rows[1]!.rel_path}`));
    expect(out).toMatch(new RegExp(`MISMATCH (removed-outside-retention|missing-file) camera gate ${rows[2]!.rel_path}`));

    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  }, 120_000);
});
