/**
 * Discovery as the api sees it: the scan's devices marked with the camera that already
 * records them, and manual checks whose failures read like onboarding errors.
 */
import type { DiscoveryService } from '../discovery/scan.js';
import type { DiscoveredDevice, FoundDevice } from '../discovery/types.js';
import { onboardingError } from './input.js';
import type { CameraRegistry } from './registry.js';

export function cameraDiscovery(registry: CameraRegistry, service: DiscoveryService) {
  const mark = (d: FoundDevice): DiscoveredDevice => {
    const cameraId = registry.cameraForDevice(d);
    return { ...d, alreadyAdded: cameraId !== null, cameraId };
  };
  return {
    scan: async (): Promise<DiscoveredDevice[]> => (await service.scan()).map(mark),
    checkAddress: async (host: string, port: number): Promise<DiscoveredDevice> => {
      const found = await service.checkAddress(host, port).catch((err: unknown) => { throw onboardingError(err, `${host}:${port}`); });
      return mark(found);
    },
  };
}
