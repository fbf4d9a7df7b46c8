/**
 * Logs: pino JSON lines on stdout, and camera passwords never in them, not even through
 * ffmpeg's own stderr (it prints the input URL with the credentials in its errors and in
 * its stream description). A real daemon at debug level with three cameras that make
 * ffmpeg talk: a wrong path on a real RTSP server (404 DESCRIBE), a closed port
 * (connection refused) and a working stream; the passwords are checked in every form a
 * leak could take (raw, URL-encoded, in a Basic auth header).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { readSegments, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';

const secrets = {
  wrongPath: 'Wr0ngPath-pw-8cZ',
  closedPort: 'p@ss:w/rd#Q7', // needs URL-encoding: a leak could show either form
  good: 'g00d-cam-pw-3Kx',
};
const encoded = (s: string) => encodeURIComponent(s);
const basic = (user: string, pw: string) => Buffer.from(`${user}:${pw}`).toString('base64');

describe('logs of a real daemon whose cameras fail', () => {
  let cam: TestCamera;
  let daemon: DaemonProcess;
  let dataDir: string;
  let lines: string[] = [];

  beforeAll(async () => {
    cam = await startTestCamera({ width: 320, height: 180, fps: 25, keyintFrames: 25 });
    const hostPort = new URL(cam.url).host;
    const cfg = writeTestConfig({
      logLevel: 'debug',
      cameras: [
        { id: 'wrongpath', url: `rtsp://officer:${encoded(secrets.wrongPath)}@${hostPort}/no-such-stream` },
        { id: 'closed', url: `rtsp://admin:${encoded(secrets.closedPort)}@127.0.0.1:9/ch1` },
        { id: 'good', url: cam.url.replace('rtsp://', `rtsp://viewer:${encoded(secrets.good)}@`) },
      ],
    });
    dataDir = cfg.dataDir;
    daemon = spawnDaemon(cfg.file);
    await daemon.url();
    // Enough for several failed runs of each broken camera and a few segments of the good one.
    await waitFor('segments of the good camera', () => readSegments(dataDir, 'good').length >= 2, 40_000);
    await waitFor('ffmpeg errors from both broken cameras', () => /404 Not Found/.test(daemon.output()) && /Connection refused/.test(daemon.output()), 20_000);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    lines = daemon.output().split('\n').filter((l) => l.trim() !== '');
  }, 90_000);

  afterAll(async () => {
    if (daemon?.child.exitCode === null) daemon.child.kill('SIGKILL');
    await cam?.stop();
  });

  it('writes one JSON object per line with time, level and message (for journald; pino-pretty reads them)', () => {
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ svc: 'nvr', level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), msg: expect.any(String) });
      expect(Number.isNaN(Date.parse(String(entry['time'])))).toBe(false);
    }
  });

  it('shows ffmpeg\'s errors with the URL masked, so the test would see a leak', () => {
    const out = daemon.output();
    expect(out).toMatch(/rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/no-such-stream/);
    expect(out).toMatch(/rtsp:\/\/\*\*\*@127\.0\.0\.1:9\/ch1/);
    expect(out).toMatch(/"ffmpeg":"[^"]*404 Not Found/);
    // At debug level ffmpeg's stream description is logged too; it names the input URL.
    expect(out).toMatch(/"ffmpeg":"Input #0, rtsp, from 'rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/[^']*'/);
  });

  it('never contains a camera password, a user:password pair or a Basic auth header', () => {
    const out = daemon.output();
    const forms = [
      secrets.wrongPath, encoded(secrets.wrongPath), secrets.closedPort, encoded(secrets.closedPort), secrets.good, encoded(secrets.good),
      basic('officer', secrets.wrongPath), basic('admin', secrets.closedPort), basic('viewer', secrets.good),
      'officer:', 'admin:p', 'viewer:',
    ];
    for (const form of forms) expect(out, `log contains ${form}`).not.toContain(form);
  });

  it('names the file of the first admin password, never the password', () => {
    const password = readFileSync(path.join(dataDir, 'initial-admin-password'), 'utf8').trim();
    expect(password.length).toBeGreaterThan(10);
    expect(daemon.output()).not.toContain(password);
    expect(daemon.output()).toContain('initial-admin-password');
  });
});
