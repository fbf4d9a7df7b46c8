/**
 * The box's health in one cheap call: ok, degraded or critical, with reasons an
 * administrator can act on. Read by the api (and later systemd's watchdog and metrics).
 */
import type { Clock } from '../core/clock.js';
import type { RecorderStatus } from '../core/types.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'critical';
  reasons: string[];
}

export interface HealthDeps {
  clock: Clock;
  statuses: () => RecorderStatus[];
  /** A camera not recording for longer than this makes the box degraded. */
  cameraDownGraceMs: number;
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
  if (active.length > 0 && down === active.length) return { status: 'critical', reasons: ['no camera is recording', ...reasons] };
  return { status: reasons.length > 0 ? 'degraded' : 'ok', reasons };
}
