/**
 * An idle daemon sleeps. On a box with few cameras every wake-up of the daemon's main
 * thread is a visible share of its CPU (docs/performance.md, session 5), so its periodic
 * work is spaced as far as each job allows and nothing samples on a timer of its own. The
 * real daemon process, no cameras; the kernel counts how often its main thread went to
 * sleep (voluntary context switches: a count, not a timing).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDaemon, writeTestConfig, type DaemonProcess } from './helpers/daemon.js';

/**
 * Times the main thread went to sleep (voluntary switches: each sleep ends in a wake-up).
 * Preemptions (nonvoluntary) are left out: they count the box's load, not the daemon's
 * timers, and under a full test run they were 30 in 20 s.
 */
function mainThreadSleeps(pid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
}

describe('an idle daemon', () => {
  let daemon: DaemonProcess | null = null;
  afterAll(async () => {
    if (daemon?.child.exitCode === null) { daemon.child.kill('SIGTERM'); await daemon.exited; }
  });

  it('wakes its main thread only a few times in 20 s, once started', async () => {
    const cfg = writeTestConfig({ cameras: [] });
    daemon = spawnDaemon(cfg.file);
    await daemon.url();
    // Start-up work settles first: the first retention pass, the integrity catch-up,
    // and V8's own start-up compilation and heap shrinking (bursts of GC hand-offs).
    await new Promise((r) => setTimeout(r, 20_000));
    const pid = daemon.child.pid!;
    const before = mainThreadSleeps(pid);
    await new Promise((r) => setTimeout(r, 20_000));
    const wakeups = mainThreadSleeps(pid) - before;
    // Due in 20 s: the system loop twice (10 s), the stall timer once or twice (a stall
    // timeout apart when no camera is watched), the integrity check's idle pause, maybe a
    // retention pass; each with a thread-pool hop or two. Seen: 5-10. A 1 s sampling
    // timer alone (prom-client's event-loop histogram, as before) would be 20 more.
    expect(wakeups, `main-thread wake-ups in 20 s: ${wakeups}`).toBeLessThan(18);
    expect(daemon.child.exitCode).toBeNull();
  });
});
