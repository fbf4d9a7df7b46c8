/**
 * The daemon's own process figures, read when /metrics is scraped and at no other time.
 *
 * prom-client's collectDefaultMetrics was used before. It keeps an event-loop delay
 * histogram (perf_hooks.monitorEventLoopDelay), whose libuv timer wakes the daemon every
 * sampling period whether anyone scrapes or not: at its 1 s setting that was half of an
 * idle box's wake-ups (docs/performance.md, session 5). Here nothing runs between scrapes:
 * the loop's busy share comes from libuv's own idle-time accounting
 * (performance.eventLoopUtilization), and its lag is measured at the scrape, as
 * prom-client's nodejs_eventloop_lag_seconds does.
 */
import { readdirSync } from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

export function registerProcessMetrics(registry: Registry, prefix = 'nvr_'): void {
  const registers = [registry];
  const counter = (name: string, help: string, value: () => number) => new Counter({
    name: prefix + name, help, registers,
    collect() { this.reset(); this.inc(value()); },
  });
  const gauge = (name: string, help: string, value: () => number | null | Promise<number | null>) => new Gauge({
    name: prefix + name, help, registers,
    async collect() { const v = await value(); if (v === null) this.remove(); else this.set(v); },
  });

  const cpu = freshFor(1000, () => process.cpuUsage());
  counter('process_cpu_user_seconds_total', 'User CPU time of the daemon (its ffmpeg children excluded), seconds', () => cpu().user / 1e6);
  counter('process_cpu_system_seconds_total', 'System CPU time of the daemon (its ffmpeg children excluded), seconds', () => cpu().system / 1e6);
  counter('process_cpu_seconds_total', 'User and system CPU time of the daemon, seconds', () => { const u = cpu(); return (u.user + u.system) / 1e6; });
  const startedS = Math.round((Date.now() - performance.now()) / 1000);
  gauge('process_start_time_seconds', 'Start of the daemon, Unix time in seconds', () => startedS);
  gauge('process_resident_memory_bytes', 'Resident memory of the daemon, bytes', () => process.memoryUsage.rss());
  gauge('process_open_fds', 'Open file descriptors of the daemon', openFds);
  // One heap walk per scrape for the three heap figures (a scrape reads them one after the other).
  const memory = freshFor(1000, () => process.memoryUsage());
  gauge('nodejs_heap_size_total_bytes', 'V8 heap size, bytes', () => memory().heapTotal);
  gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, bytes', () => memory().heapUsed);
  gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers), bytes', () => memory().external);
  let lastElu: EventLoopUtilization | undefined;
  gauge('nodejs_eventloop_utilization_ratio', 'Share of time the event loop was busy since the previous scrape (since start at the first)', () => {
    const now = performance.eventLoopUtilization();
    const since = lastElu ? performance.eventLoopUtilization(now, lastElu) : now;
    lastElu = now;
    return since.utilization;
  });
  gauge('nodejs_eventloop_lag_seconds', 'Delay of a callback queued at the scrape, seconds', () => new Promise<number>((resolve) => {
    const t0 = process.hrtime.bigint();
    setImmediate(() => resolve(Number(process.hrtime.bigint() - t0) / 1e9));
  }));
  new Gauge({ name: `${prefix}nodejs_version_info`, help: 'Node.js version', labelNames: ['version'], registers }).set({ version: process.version }, 1);
}

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the listing's own descriptor
  } catch {
    return null; // not Linux: absent, never a made-up figure
  }
}

/** `read()` at most once per `ms`: the figures of one scrape come from one reading. */
function freshFor<T>(ms: number, read: () => T): () => T {
  let value: T | undefined;
  let atMs = -Infinity;
  return () => {
    const now = performance.now();
    if (value === undefined || now - atMs >= ms) { value = read(); atMs = now; }
    return value;
  };
}
