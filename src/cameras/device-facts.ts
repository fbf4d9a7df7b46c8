/** DeviceFacts from what discovery read off a device (no credentials in the result). */
import type { DeviceDescription, OnvifTarget } from '../discovery/types.js';
import { splitCredentials } from './urls.js';
import type { DeviceFacts } from './types.js';

export function deviceFacts(target: OnvifTarget, path: string, endpoint: string | null, d: DeviceDescription, nowMs: number): DeviceFacts {
  return {
    host: target.host,
    port: target.port,
    path,
    endpoint,
    manufacturer: d.info.manufacturer,
    model: d.info.model,
    firmwareVersion: d.info.firmwareVersion,
    serialNumber: d.info.serialNumber,
    hardwareId: d.info.hardwareId,
    profiles: d.profiles,
    mainProfile: d.main.profileToken,
    subProfile: d.sub?.profileToken ?? null,
    snapshotUri: d.snapshotUri === null ? null : bare(d.snapshotUri),
    clockOffsetMs: d.clock?.offsetMs ?? null,
    checkedAtMs: nowMs,
  };
}

/** What goes into stored_cameras.onvif_json: the facts minus the columns of their own. */
export function deviceJson(facts: DeviceFacts): string {
  const { host: _h, port: _p, clockOffsetMs: _c, ...rest } = facts;
  return JSON.stringify(rest);
}

function bare(url: string): string {
  try { return splitCredentials(url).url; } catch { return url; }
}
