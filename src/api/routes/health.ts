/**
 * Liveness and overall state, for the web UI banner and for monitoring. Always 200 when
 * the daemon answers: the verdict is in `status`, so a monitor can tell "box down" (no
 * answer) from "box up but a camera is failing" (status degraded/critical).
 */
import { redactText } from '../../core/redact.js';
import { toIso } from '../../core/time.js';
import type { ApiDeps } from '../deps.js';
import { HealthBody, type ApiApp } from '../schemas.js';

export function registerHealthRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/api/v1/health', { config: { access: 'public' }, schema: { response: { 200: HealthBody } } }, () => {
    const { status, reasons } = deps.health();
    const timeMs = deps.clock.nowMs();
    const identity = deps.identity && { boxId: deps.identity.boxId, fingerprint: deps.identity.fingerprint };
    return { status, reasons: reasons.map(redactText), version: deps.version, timeMs, time: toIso(timeMs), ...(identity ? { identity } : {}) };
  });
}
