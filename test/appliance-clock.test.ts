/**
 * Time the box can testify to: the clock-sync parsers on captured outputs of the real
 * tools, the sources in order and the "unknown" path (for real on a machine without
 * systemd as PID 1), the written record of observations in a real SQLite index, and the
 * clock guard: a daemon whose clock is before its build records nothing and says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ManualClock, type Clock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { systemSpawner, type Spawner } from '../src/core/spawn.js';
import { loadConfig } from '../src/config/load.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { openStore, type Store } from '../src/store/db.js';
import { ClockGuard, clockFloorMs, readBuildInfo } from '../src/system/clock-guard.js';
import { ClockMonitor } from '../src/system/clock-monitor.js';
import { parseChronycTracking, parseTimedatectlShow, parseTimesyncStatus, readClockSync, type ClockSyncState } from '../src/system/clock-sync.js';
import { spawnCommandRunner, type CommandResult, type CommandRunner } from '../src/system/command.js';
import { tempDir, waitFor, writeTestConfig } from './helpers/daemon.js';

// Captured from chrony 4.x (`chronyc tracking`) on a synchronised and a fresh box.
const chronySynced = `Reference ID    : C0A80101 (gw.post.local)
Stratum         : 3
Ref time (UTC)  : Sat Nov 28 10:12:03 2026
System time     : 0.000126482 seconds slow of NTP time
Last offset     : -0.000039551 seconds
RMS offset      : 0.001020088 seconds
Frequency       : 2.941 ppm fast
Residual freq   : -0.001 ppm
Skew            : 0.135 ppm
Root delay      : 0.014488510 seconds
Root dispersion : 0.079814211 seconds
Update interval : 64.3 seconds
Leap status     : Normal
`;
const chronyUnsynced = `Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
System time     : 0.000000000 seconds fast of NTP time
Last offset     : +0.000000000 seconds
RMS offset      : 0.000000000 seconds
Frequency       : 0.000 ppm slow
Residual freq   : +0.000 ppm
Skew            : 0.000 ppm
Root delay      : 1.000000000 seconds
Root dispersion : 1.000000000 seconds
Update interval : 0.0 seconds
Leap status     : Not synchronised
`;
// systemd 252 (`timedatectl timesync-status`, systemd-timesyncd running).
const timesyncStatus = `       Server: 192.168.1.1 (gw.post.local)
Poll interval: 34min 8s (min: 32s; max 34min 8s)
         Leap: normal
      Version: 4
      Stratum: 2
    Reference: 11FD227B
    Precision: 1us (-25)
Root distance: 13.637ms (max: 5s)
       Offset: -1.049ms
        Delay: 23.458ms
       Jitter: 2.116ms
 Packet count: 103
    Frequency: +3.563ppm
`;

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '', error: null });
const missing: CommandResult = { code: null, stdout: '', stderr: '', error: 'spawn chronyc ENOENT' };
const noSystemd: CommandResult = { code: 1, stdout: '', stderr: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\n', error: null };
const runner = (answers: Record<string, CommandResult>): CommandRunner => async (cmd, args) => answers[[cmd, ...args].join(' ')] ?? missing;

describe('clock-sync parsers (captured outputs)', () => {
  it('reads chrony: synchronised with the offset signed box-minus-reference, or not synchronised', () => {
    expect(parseChronycTracking(chronySynced)).toEqual({ status: 'synchronized', offsetUs: -126, source: 'chronyc', detail: 'reference C0A80101 (gw.post.local), leap status Normal' });
    expect(parseChronycTracking(chronySynced.replace('slow of', 'fast of'))?.offsetUs).toBe(126);
    expect(parseChronycTracking(chronyUnsynced)).toMatchObject({ status: 'unsynchronized', offsetUs: null });
    expect(parseChronycTracking('506 Cannot talk to daemon')).toBeNull();
  });

  it('reads timedatectl show and timesync-status', () => {
    expect(parseTimedatectlShow('NTP=yes\nNTPSynchronized=yes\n')).toMatchObject({ status: 'synchronized', source: 'timedatectl', detail: 'NTP service active' });
    expect(parseTimedatectlShow('NTP=no\nNTPSynchronized=no\n')).toMatchObject({ status: 'unsynchronized', detail: 'NTP service inactive' });
    expect(parseTimedatectlShow('')).toBeNull();
    // NTP offset -1.049 ms (reference minus box) = the box is 1049 µs ahead.
    expect(parseTimesyncStatus(timesyncStatus)).toEqual({ offsetUs: 1049, server: '192.168.1.1 (gw.post.local)' });
    expect(parseTimesyncStatus('Offset: +512us').offsetUs).toBe(-512);
    expect(parseTimesyncStatus('Offset: 2.5s').offsetUs).toBe(-2_500_000);
    expect(parseTimesyncStatus('nothing').offsetUs).toBeNull();
  });
});

describe('readClockSync: sources in order', () => {
  it('prefers chrony when it answers', async () => {
    const s = await readClockSync(runner({ 'chronyc tracking': ok(chronySynced), 'timedatectl show -p NTPSynchronized -p NTP': ok('NTPSynchronized=no\n') }));
    expect(s).toMatchObject({ source: 'chronyc', status: 'synchronized' });
  });

  it('falls back to timedatectl, with the offset from timesyncd', async () => {
    const s = await readClockSync(runner({
      'timedatectl show -p NTPSynchronized -p NTP': ok('NTP=yes\nNTPSynchronized=yes\n'),
      'timedatectl timesync-status': ok(timesyncStatus),
    }));
    expect(s).toEqual({ status: 'synchronized', offsetUs: 1049, source: 'timedatectl', detail: 'server 192.168.1.1 (gw.post.local)' });
  });

  it('says unknown, with the reasons, when nothing answers', async () => {
    const s = await readClockSync(runner({ 'timedatectl show -p NTPSynchronized -p NTP': noSystemd }));
    expect(s.status).toBe('unknown');
    expect(s.detail).toBe("chronyc: not installed; timedatectl: exit 1: System has not been booted with systemd as init system (PID 1). Can't operate.");
  });

  it('runs the real tools on this machine and always answers a valid state', async () => {
    const s = await readClockSync(spawnCommandRunner(systemSpawner));
    expect(['synchronized', 'unsynchronized', 'unknown']).toContain(s.status);
    if (s.status === 'unknown') expect(s.detail).toMatch(/chronyc: .*; timedatectl: /);
  });
});

describe('how often the sync state is checked', () => {
  it('every periodMs while unsynchronised, every steadyPeriodMs once synchronised', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 10, 8), 0);
    let state: ClockSyncState = { status: 'unsynchronized', offsetUs: null, source: 'timedatectl', detail: 'NTP service active' };
    let reads = 0;
    const monitor = new ClockMonitor({ clock, log: silentLogger(), read: async () => { reads += 1; return state; }, record: () => {}, periodMs: 20, steadyPeriodMs: 60_000 });
    await monitor.check();
    monitor.start();
    await new Promise((r) => setTimeout(r, 300));
    const whileUnsynced = reads;
    expect(whileUnsynced).toBeGreaterThanOrEqual(4); // every 20 ms over 300 ms, on a loaded box
    state = { status: 'synchronized', offsetUs: 900, source: 'timedatectl', detail: 'server 192.168.1.1' };
    await waitFor('a check sees the sync', () => (monitor.state().status === 'synchronized' ? true : undefined), 5000, 5);
    const atSync = reads;
    await new Promise((r) => setTimeout(r, 300));
    expect(reads).toBe(atSync); // the next one is a minute away
    await monitor.close();
  });
});

describe('clock observations are written down', () => {
  let store: Store | null = null;
  afterEach(() => { store?.close(); store = null; });

  it('at start, on every change and hourly; the state in force over a range can be read back', async () => {
    const clock = new ManualClock(Date.UTC(2027, 0, 10, 8), 0);
    store = openStore({ path: path.join(tempDir(), 'index.sqlite'), log: silentLogger(), clock });
    let state: ClockSyncState = { status: 'unsynchronized', offsetUs: null, source: 'timedatectl', detail: 'NTP service active' };
    const monitor = new ClockMonitor({ clock, log: silentLogger(), read: async () => state, record: (o) => store!.clock.insert({ ...o, recordingHeld: false }) });
    const t0 = clock.nowMs();
    await monitor.check();
    clock.advance(60_000);
    await monitor.check(); // unchanged: not written again
    clock.advance(60_000);
    state = { status: 'synchronized', offsetUs: 1049, source: 'timedatectl', detail: 'server 192.168.1.1' };
    await monitor.check();
    clock.advance(3_600_000);
    await monitor.check(); // unchanged for an hour: written again
    const rows = store.clock.inForce(t0 - 1, t0 + 10 * 3_600_000);
    expect(rows.map((r) => [r.observedMs - t0, r.status, r.offsetUs])).toEqual([
      [0, 'unsynchronized', null], [120_000, 'synchronized', 1049], [3_720_000, 'synchronized', 1049],
    ]);
    // An export of [t0+5min, t0+10min) states the observation in force at its start.
    expect(store.clock.inForce(t0 + 300_000, t0 + 600_000).map((r) => r.status)).toEqual(['synchronized']);
    expect(monitor.state()).toMatchObject({ status: 'synchronized', observedMs: t0 + 3_720_000 });
  });
});

describe('the clock guard', () => {
  it('floors at the build date written by the build, less a day, never before the source date', () => {
    const info = readBuildInfo(new URL('../dist/build-info.json', import.meta.url));
    expect(info, 'npm run build writes dist/build-info.json').not.toBeNull();
    expect(clockFloorMs(info)).toBe(Math.max(Date.UTC(2026, 10, 28), info!.builtAtMs - 86_400_000));
    expect(clockFloorMs({ version: 'x', builtAtMs: Date.UTC(2030, 0, 2) })).toBe(Date.UTC(2030, 0, 1));
    expect(clockFloorMs(null)).toBe(Date.UTC(2026, 10, 28));
    const clock = new ManualClock(Date.UTC(2020, 0, 1));
    expect(new ClockGuard(clock, Date.UTC(2026, 10, 28)).finding(true)).toEqual({
      severity: 'critical', reason: 'box clock 2020-01-01T00:00:00.000Z is before this build (2026-11-28T00:00:00.000Z): recording is held until the clock is set (check NTP)',
    });
  });

  /** The system clock shifted by an offset the test controls: time still passes. */
  class ShiftedClock implements Clock {
    offsetMs = 0;
    nowMs(): number { return Date.now() + this.offsetMs; }
    monotonicMs(): number { return Math.floor(performance.now()); }
  }

  let daemon: Daemon | null = null;
  afterEach(async () => { await daemon?.close(); daemon = null; });

  it('a daemon started with the clock before its build holds the recorders, alarms, and starts them once the clock is set', async () => {
    const cfg = writeTestConfig({ cameras: [{ id: 'cam1', url: 'rtsp://127.0.0.1:9/none' }] });
    const clock = new ShiftedClock();
    clock.offsetMs = Date.UTC(2020, 0, 1) - Date.now();
    const ffmpegSpawns: number[] = [];
    const spawner: Spawner = (cmd, args, o): ChildProcess => {
      // Recorders only (their segment muxer): the warm still ffmpegs start with the daemon.
      if ((cmd.endsWith('ffmpeg') || args.some((a) => a.endsWith('ffmpeg'))) && args.includes('-segment_list')) ffmpegSpawns.push(clock.nowMs());
      return systemSpawner(cmd, args, o);
    };
    daemon = await startDaemon(loadConfig({ file: cfg.file, env: {} }), {
      clock, spawner, log: silentLogger(), listen: false,
      system: { periodMs: 50, processMetrics: false, readClockSync: async () => ({ status: 'unsynchronized', offsetUs: null, source: 'timedatectl', detail: 'NTP service active' }) },
    });
    const health = () => daemon!.appliance.health();
    expect(health().status).toBe('critical');
    expect(health().reasons[0]).toMatch(/^box clock 2020-01-01T.* is before this build .*: recording is held until the clock is set/);
    expect(health().reasons).toContain('clock not synchronised (NTP service active)');
    // Several loop periods pass: still nothing recorded, nothing spawned.
    await new Promise((r) => setTimeout(r, 400));
    expect(ffmpegSpawns).toEqual([]);
    expect(daemon.pool.statuses().map((s) => s.state)).toEqual(['stopped']);
    const metrics = (await daemon.appliance.metrics.render()).body;
    expect(metrics).toMatch(/^nvr_clock_plausible 0$/m);

    clock.offsetMs = 0; // NTP steps the clock to the truth
    await waitFor('ffmpeg to be started', () => ffmpegSpawns.length > 0, 10_000, 20);
    expect(ffmpegSpawns[0]).toBeGreaterThan(Date.now() - 10_000);
    expect(health().reasons.join()).not.toMatch(/before this build/);
    expect((await daemon.appliance.metrics.render()).body).toMatch(/^nvr_clock_plausible 1$/m);
    const openRaw = openStore({ path: path.join(cfg.dataDir, 'index.sqlite'), log: silentLogger() });
    try {
      const rows = openRaw.clock.inForce(0, Date.now() + 1000);
      expect(rows.map((r) => r.recordingHeld)).toEqual([true, false]);
      expect(rows[0]!.observedMs).toBeLessThan(Date.UTC(2020, 0, 2));
    } finally {
      openRaw.close();
    }
  });
});
