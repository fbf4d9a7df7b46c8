/**
 * Retention's findings for health (plugged in as a HealthCheck by the daemon): the pause
 * is critical (footage is not being recorded), everything else that needs a person is
 * degraded: failing deletions, a failing pass, a disk below its floor, holds eating the
 * space recording needs, a camera over its quota with held footage.
 */
import { toIso } from '../core/time.js';
import type { HealthFinding } from '../health/health.js';
import { formatBytes as gb } from './policy.js';
import type { StorageSnapshot } from './snapshot.js';

export function storageFindings(s: StorageSnapshot): HealthFinding[] {
  const out: HealthFinding[] = [];
  if (s.paused) {
    out.push({ severity: 'critical', reason: `recording paused since ${toIso(s.paused.sinceMs)}: ${s.paused.reason} (${gb(s.heldBytes)} held); release a hold or add disk space` });
  }
  if (s.garbageFailing > 0) {
    out.push({ severity: 'degraded', reason: `${s.garbageFailing} segment files could not be deleted (${s.deleteFailures} failed attempts; last: ${s.lastDeleteError ?? 'unknown'}); retried every pass` });
  }
  if (s.diskError) out.push({ severity: 'degraded', reason: `retention pass failed (${s.passErrors} so far): ${s.diskError}` });
  if (!s.paused && s.availableBytes !== null && s.floorBytes !== null && s.availableBytes < s.floorBytes) {
    out.push({ severity: 'degraded', reason: `free space ${gb(s.availableBytes)} is below the floor ${gb(s.floorBytes)}` });
  }
  if (s.recordableHours !== null && s.recordableHours < s.warnHoursLeft) {
    out.push({
      severity: 'degraded',
      reason: `holds (${gb(s.heldBytes)}) and the free-space floor leave ${s.recordableHours} hours of recording (warning below ${s.warnHoursLeft})`,
    });
  }
  for (const c of s.cameras) {
    if (c.maxBytes !== null && c.heldBytes > c.maxBytes) {
      out.push({ severity: 'degraded', reason: `camera ${c.cameraId} holds ${gb(c.heldBytes)} of held footage, over its quota of ${gb(c.maxBytes)}` });
    }
  }
  return out;
}
