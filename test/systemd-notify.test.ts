/**
 * The notify protocol with the real systemd-notify binary and a real AF_UNIX datagram
 * socket standing in for systemd (test/helpers/notify-socket.ts). The watchdog decision
 * is driven by a clock-controlled recorder source: the only fake, because "recorders
 * wedged while the event loop runs" cannot be produced on demand with a real camera (the
 * supervisor always recovers). The real daemon process is in systemd-daemon.e2e.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner } from '../src/core/spawn.js';
import type { RecorderStatus } from '../src/core/types.js';
import { openStore, type Store } from '../src/store/db.js';
import { Appliance, type Recorders } from '../src/system/appliance.js';
import { notifierFromEnv, notifyArgs, watchdogPeriodFromEnv } from '../src/system/notify.js';
import { tempDir } from './helpers/daemon.js';
import { startNotifySocket, type NotifySocket } from './helpers/notify-socket.js';

describe('notify helpers', () => {
  it('reads the watchdog period (half of WATCHDOG_USEC) only when it is meant for this pid', () => {
    expect(watchdogPeriodFromEnv({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogPeriodFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
    expect(watchdogPeriodFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeNull();
    expect(watchdogPeriodFromEnv({}, 42)).toBeNull();
    expect(watchdogPeriodFromEnv({ WATCHDOG_USEC: 'x' }, 42)).toBeNull();
  });

  it('keeps each field on one line', () => {
    expect(notifyArgs({ READY: '1', STATUS: 'a\nb' })).toEqual(['READY=1', 'STATUS=a b']);
  });

  it('is a no-op without NOTIFY_SOCKET', async () => {
    const n = notifierFromEnv({ spawner: () => { throw new Error('must not spawn'); }, log: silentLogger(), env: {} });
    expect(n.enabled).toBe(false);
    await n.notify({ READY: '1' });
  });
});

describe('notifications against a real notify socket', () => {
  let sock: NotifySocket;
  beforeAll(async () => { sock = await startNotifySocket(); });
  afterAll(async () => { await sock?.close(); });

  /** Messages sent from now on, once `count` of them have arrived. */
  const arrivals = (before: number) => async (count: number) => {
    await sock.waitFor(`${count} messages`, () => sock.messages().length >= before + count, 10_000);
    return sock.messages().slice(before);
  };

  it('sends every message in order from one long-lived relay, not a process per message', async () => {
    const n = notifierFromEnv({ spawner: systemSpawner, log: silentLogger(), env: { ...process.env, NOTIFY_SOCKET: sock.path } });
    const got = arrivals(sock.messages().length);
    await Promise.all([n.notify({ READY: '1', STATUS: 'first' }), n.notify({ WATCHDOG: '1' }), n.notify({ STOPPING: '1' })]);
    const messages = await got(3);
    expect(messages.map((m) => m.text)).toEqual(['READY=1\nSTATUS=first', 'WATCHDOG=1', 'STOPPING=1']);
    // One sender for all (systemd-notify would be three pids), still alive to be credited.
    expect(new Set(messages.map((m) => m.pid)).size).toBe(1);
    expect(() => process.kill(messages[0]!.pid, 0)).not.toThrow();
    expect(messages[0]!.pid).not.toBe(process.pid);
    await n.notify({ WATCHDOG: '1' });
    expect((await got(4))[3]!.pid).toBe(messages[0]!.pid);
    process.kill(messages[0]!.pid, 'SIGTERM');
  });

  it('never keeps the process alive: a daemon that sent a message still exits when its work is done', async () => {
    // The daemon's stop ends when its event loop drains; a ref'd relay pipe held it forever.
    const script = `
      const { notifierFromEnv } = await import(${JSON.stringify(new URL('../dist/system/notify.js', import.meta.url).href)});
      const { systemSpawner } = await import(${JSON.stringify(new URL('../dist/core/spawn.js', import.meta.url).href)});
      const log = { warn() {}, info() {}, error() {}, debug() {} };
      await notifierFromEnv({ spawner: systemSpawner, log, env: { NOTIFY_SOCKET: ${JSON.stringify(sock.path)} } }).notify({ STATUS: 'exit check' });
      console.log('sent');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('sent');
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(0);
    await sock.waitFor('the message', (m) => m.fields['STATUS'] === 'exit check', 10_000); // in before the next test counts
  });

  it('falls back to systemd-notify (a process per message) when the relay cannot run', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (o: unknown, msg: string) => { warnings.push(`${msg} ${JSON.stringify(o)}`); } } as unknown as ReturnType<typeof silentLogger>;
    const n = notifierFromEnv({ spawner: systemSpawner, log, env: { ...process.env, NOTIFY_SOCKET: sock.path }, perl: '/nonexistent/perl' });
    const got = arrivals(sock.messages().length);
    await n.notify({ READY: '1' });
    await n.notify({ WATCHDOG: '1' });
    const messages = await got(2);
    expect(messages.map((m) => m.text)).toEqual(['READY=1', 'WATCHDOG=1']);
    expect(warnings.join()).toMatch(/relay down: sending through systemd-notify.*nonexistent\/perl/);
  });

  it('logs and carries on when no helper can run', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (o: unknown, msg: string) => { warnings.push(`${msg} ${JSON.stringify(o)}`); } } as unknown as ReturnType<typeof silentLogger>;
    const n = notifierFromEnv({ spawner: systemSpawner, log, env: { NOTIFY_SOCKET: sock.path }, perl: '/nonexistent/perl', command: '/nonexistent/systemd-notify' });
    await n.notify({ READY: '1' });
    expect(warnings.join()).toMatch(/not delivered.*relay: .*nonexistent\/perl.*; cannot run .*ENOENT/);
  });

  it('reports a socket that refuses the message, without a second helper', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (o: unknown, msg: string) => { warnings.push(`${msg} ${JSON.stringify(o)}`); } } as unknown as ReturnType<typeof silentLogger>;
    const n = notifierFromEnv({ spawner: systemSpawner, log, env: { NOTIFY_SOCKET: path.join(tempDir(), 'nobody-listens.sock') }, command: '/nonexistent/systemd-notify' });
    await n.notify({ READY: '1' });
    expect(warnings.join()).toMatch(/relay: No such file or directory/);
    expect(warnings.join()).not.toMatch(/systemd-notify/);
  });
});

function fakeRecorders(clock: ManualClock) {
  const state = { progress: 0, restarts: 0, recState: 'recording' as RecorderStatus['state'], started: 0 };
  const recorders: Recorders = {
    start: () => { state.started += 1; },
    statuses: () => [{ cameraId: 'cam1', state: state.recState, sinceMs: clock.nowMs(), lastSegmentEndMs: null, lastSegmentClosedAtMs: null, restarts: state.restarts, lastError: null, stream: null, pid: 1 }],
    counters: () => [{ cameraId: 'cam1', framesTotal: state.progress * 25, progressTotal: state.progress }],
  };
  return { recorders, state };
}

describe('watchdog fed by the health loop (clock-controlled recorders, real notify path)', () => {
  let sock: NotifySocket;
  let store: Store;
  let appliance: Appliance | null = null;
  beforeAll(async () => { sock = await startNotifySocket(); });
  afterAll(async () => { await sock?.close(); });
  afterEach(() => { store?.close(); });

  it('feeds WATCHDOG=1 while recorders progress, stops when they stall past the limit, resumes after', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 10), 0);
    store = openStore({ path: path.join(tempDir(), 'index.sqlite'), log: silentLogger(), clock });
    const stuckAfterMs = 60_000;
    appliance = new Appliance({
      clock, spawner: systemSpawner, store, log: silentLogger(), dataDir: tempDir(), version: 'test', stuckAfterMs, cameraDownGraceMs: 120_000,
      env: { ...process.env, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '20000000' }, periodMs: 3_600_000, floorMs: Date.UTC(2026, 10, 28),
      readClockSync: async () => ({ status: 'synchronized', offsetUs: 120, source: 'chronyc', detail: 'test' }),
      processMetrics: false,
    });
    const { recorders, state } = fakeRecorders(clock);
    await appliance.startRecorders(recorders);
    expect(state.started).toBe(1);
    await appliance.ready();
    const ready = await sock.waitFor('READY=1', (m) => m.fields['READY'] === '1');
    expect(ready.fields['STATUS']).toMatch(/recording 1\/1 cameras; clock synchronized/);

    const watchdogs = () => sock.messages().filter((m) => m.fields['WATCHDOG'] === '1').length;
    // Messages arrive in order: once a marker sent last is in, so is everything before it.
    let flushes = 0;
    const flush = async () => {
      const marker = `flush ${++flushes}`;
      await appliance!.notifier.notify({ STATUS: marker });
      await sock.waitFor(marker, (m) => m.fields['STATUS'] === marker, 10_000);
    };
    const tickAfter = async (ms: number) => { clock.advance(ms); const v = appliance!.tick(); await flush(); return v; };

    await flush(); // the first WATCHDOG=1, sent right after READY=1
    expect(watchdogs()).toBe(1);
    let before = watchdogs();
    for (let i = 0; i < 3; i++) { state.progress += 10; expect((await tickAfter(10_000))?.alive).toBe(true); }
    expect(watchdogs() - before).toBe(3);

    // Progress stops. Within the limit the supervisor gets the benefit of the doubt…
    await tickAfter(10_000);
    before = watchdogs();
    expect((await tickAfter(stuckAfterMs - 15_000))?.alive).toBe(true);
    expect(watchdogs() - before).toBe(1);
    // …past it, nothing is sent: systemd's WatchdogSec runs out and it restarts the daemon.
    before = watchdogs();
    const verdict = await tickAfter(10_000);
    expect(verdict?.alive).toBe(false);
    expect(verdict?.stuck).toEqual([expect.objectContaining({ cameraId: 'cam1', state: 'recording' })]);
    await tickAfter(10_000);
    expect(watchdogs() - before).toBe(0);

    // A restart (the supervisor acting) counts as life; so does progress.
    state.restarts += 1;
    before = watchdogs();
    expect((await tickAfter(1000))?.alive).toBe(true);
    expect(watchdogs() - before).toBe(1);

    // A camera in 'failed' waits out its restart budget on purpose: not a wedge.
    state.recState = 'failed';
    await tickAfter(1000);
    before = watchdogs();
    expect((await tickAfter(stuckAfterMs * 5))?.alive).toBe(true);
    expect(watchdogs() - before).toBe(1);

    await appliance.stopping();
    await sock.waitFor('STOPPING=1', (m) => m.fields['STOPPING'] === '1');
  });
});
