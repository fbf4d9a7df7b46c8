/**
 * The box's health in one cheap call: ok, degraded or critical, with reasons an
 * administrator can act on. Read by the api, the metrics and systemd's STATUS line.
 * Cameras are judged here; every other concern (clock, index errors, and retention and
 * disk when they land) plugs in as a HealthCheck, so this file does not grow with them.
 */
import type { Clock } from '../core/clock.js';
import type { RecorderStatus } from '../core/types.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'critical';
  reasons: string[];
}

/** One problem found by a check; critical means footage is being lost or is wrong. */
export interface HealthFinding {
  severity: 'degraded' | 'critical';
  reason: string;
}

/**
 * The extension point: a cheap, synchronous check (it runs on every health poll) that
 * reads state its module keeps up to date, e.g. retention's last pass or disk figures.
 */
export type HealthCheck = (nowMs: number) => HealthFinding | readonly HealthFinding[] | null;

export interface HealthDeps {
  clock: Clock;
  statuses: () => RecorderStatus[];
  /** A camera not recording for longer than this makes the box degraded. */
  cameraDownGraceMs: number;
  /** Clock, index errors, and retention / disk checks; see HealthCheck. */
  checks?: readonly HealthCheck[];
}

export function evaluateHealth(deps: HealthDeps): HealthReport {
  const reasons: string[] = [];
  const nowMs = deps.clock.nowMs();
  const active = deps.statuses().filter((s) => s.state !== 'disabled');
  let down = 0;
  for (const s of active) {
    if (s.state === 'recording') continue;
    if (nowMs - s.sinceMs < deps.cameraDownGraceMs && s.state !== 'failed') continue;
    down += 1;
    reasons.push(`camera ${s.cameraId} ${s.state} since ${new Date(s.sinceMs).toISOString()}${s.lastError ? `: ${s.lastError}` : ''}`);
  }
  const findings = runChecks(deps.checks ?? [], nowMs);
  const critical = findings.filter((f) => f.severity === 'critical').map((f) => f.reason);
  const degraded = [...reasons, ...findings.filter((f) => f.severity === 'degraded').map((f) => f.reason)];
  if (active.length > 0 && down === active.length) critical.unshift('no camera is recording');
  if (critical.length > 0) return { status: 'critical', reasons: [...critical, ...degraded] };
  return { status: degraded.length > 0 ? 'degraded' : 'ok', reasons: degraded };
}

/** A check that throws is itself a finding: health must answer even when a module is broken. */
function runChecks(checks: readonly HealthCheck[], nowMs: number): HealthFinding[] {
  const out: HealthFinding[] = [];
  for (const check of checks) {
    try {
      const found = check(nowMs);
      if (found) out.push(...(Array.isArray(found) ? found : [found as HealthFinding]));
    } catch (err) {
      out.push({ severity: 'degraded', reason: `health check failed: ${(err as Error).message}` });
    }
  }
  return out;
}
