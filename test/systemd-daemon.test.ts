/**
 * The real daemon process (`node bin/nvr.js serve`) under a stand-in for systemd: a real
 * notify socket (NOTIFY_SOCKET), a 2 s watchdog (WATCHDOG_USEC), a real RTSP camera.
 * READY=1 comes once the recorder runs and HTTP answers, WATCHDOG=1 every second while
 * the recorder is supervised (also through a camera outage: the supervisor is working,
 * restarting the whole daemon would not help), STOPPING=1 when SIGTERM arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCamera, type TestCamera } from './helpers/test-camera.js';
import { ffmpegPidsMentioning, readSegments, spawnDaemon, waitFor, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';
import { startNotifySocket, type NotifyMessage, type NotifySocket } from './helpers/notify-socket.js';

describe('the daemon under a notify socket and a watchdog', () => {
  let cam: TestCamera;
  let sock: NotifySocket;
  let daemon: DaemonProcess;
  let dataDir: string;
  let atReady: { ffmpeg: number; health: number } | null = null;

  beforeAll(async () => {
    cam = await startTestCamera({ width: 320, height: 180, fps: 25, keyintFrames: 25 });
    sock = await startNotifySocket();
    const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: cam.url }] });
    dataDir = cfg.dataDir;
    daemon = spawnDaemon(cfg.file, { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '2000000' });
    await sock.waitFor('READY=1', (m) => m.fields['READY'] === '1', 30_000);
    // What was true when READY=1 arrived: the recorder's ffmpeg runs, HTTP answers.
    const url = /"url":"(http:[^"]+)"/.exec(daemon.output())?.[1];
    atReady = { ffmpeg: ffmpegPidsMentioning(dataDir).length, health: url ? (await fetch(`${url}/api/v1/health`)).status : 0 };
  });

  afterAll(async () => {
    if (daemon?.child.exitCode === null) { daemon.child.kill('SIGKILL'); await daemon.exited; }
    await cam?.stop();
    await sock?.close();
  });

  const watchdogs = (): NotifyMessage[] => sock.messages().filter((m) => m.fields['WATCHDOG'] === '1');

  it('sends READY=1 once, after the recorder started and HTTP answers, with a STATUS line', () => {
    expect(atReady).toEqual({ ffmpeg: 1, health: 200 });
    const ready = sock.messages().filter((m) => m.fields['READY'] === '1');
    expect(ready).toHaveLength(1);
    expect(ready[0]!.fields['STATUS']).toMatch(/^recording [01]\/1 cameras; clock (synchronized|unsynchronized|unknown); health \w+$/);
    // Nothing else was sent before READY=1.
    expect(sock.messages()[0]).toBe(ready[0]);
  });

  it('feeds the watchdog every WATCHDOG_USEC/2 while recording', async () => {
    await waitFor('a segment', () => readSegments(dataDir, 'cam1').length > 0, 30_000);
    const from = watchdogs().length;
    await new Promise((r) => setTimeout(r, 4500));
    const fed = watchdogs().slice(from);
    // 1 s period over 4.5 s: 4 or 5 (timer jitter), never the 2 s systemd would kill at.
    expect(fed.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < fed.length; i++) expect(fed[i]!.atMs - fed[i - 1]!.atMs).toBeLessThan(1800);
  });

  it('keeps feeding it through a camera outage: the supervisor is restarting ffmpeg', async () => {
    cam.freeze();
    try {
      const from = watchdogs().length;
      await new Promise((r) => setTimeout(r, 8000));
      const fed = watchdogs().slice(from);
      expect(fed.length).toBeGreaterThanOrEqual(7);
      expect(sock.messages().some((m) => /recording 0\/1 cameras/.test(m.fields['STATUS'] ?? ''))).toBe(true);
    } finally {
      cam.thaw();
    }
  });

  it('sends STOPPING=1 on SIGTERM, then exits 0', async () => {
    daemon.child.kill('SIGTERM');
    const stopping = await sock.waitFor('STOPPING=1', (m) => m.fields['STOPPING'] === '1', 20_000);
    const { code } = await daemon.exited;
    expect(code).toBe(0);
    expect(stopping.fields['STATUS']).toBe('stopping: closing segments and the index');
    // No watchdog ping after STOPPING=1 (systemd stops the watchdog when stopping begins anyway).
    expect(watchdogs().every((m) => m.atMs <= stopping.atMs)).toBe(true);
    // Only the daemon spoke: no child (ffmpeg, timedatectl, which reports ERRNO= when it
    // fails) inherited NOTIFY_SOCKET.
    const keys = new Set(sock.messages().flatMap((m) => Object.keys(m.fields)));
    expect([...keys].sort()).toEqual(['READY', 'STATUS', 'STOPPING', 'WATCHDOG']);
  });
});
