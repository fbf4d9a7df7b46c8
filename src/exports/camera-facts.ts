/**
 * What an export states about a camera: its name and, where ONVIF onboarding read them,
 * maker, model, serial number, firmware and clock offset. Cameras the configuration no
 * longer lists keep the name the index knows them by.
 */
import type { DeviceFacts, HealthCard } from '../cameras/types.js';
import type { CameraFacts } from './manifest.js';

/** A camera as the daemon lists it (config cameras, or the registry's with ONVIF facts). */
export interface CameraLike {
  readonly id: string;
  readonly name: string;
  readonly device?: DeviceFacts | null;
  readonly healthCard?: HealthCard | null;
}

export function cameraFactsOf(cameras: () => readonly CameraLike[], indexName: (id: string) => string | null): (id: string) => CameraFacts {
  return (id) => {
    const cam = cameras().find((c) => c.id === id);
    const device = cam?.device ?? null;
    const card = cam?.healthCard ?? null;
    // The freshest clock reading: the health card is re-checked, the device facts are from onboarding.
    const clock = card?.clockOffsetMs != null ? { ms: card.clockOffsetMs, at: card.checkedAtMs }
      : device?.clockOffsetMs != null ? { ms: device.clockOffsetMs, at: device.checkedAtMs } : null;
    return {
      id,
      name: cam?.name ?? indexName(id) ?? id,
      manufacturer: device?.manufacturer ?? null,
      model: device?.model ?? null,
      serialNumber: device?.serialNumber ?? null,
      firmwareVersion: device?.firmwareVersion ?? null,
      clockOffsetMs: clock?.ms ?? null,
      clockOffsetCheckedMs: clock?.at ?? null,
    };
  };
}
