/**
 * What the API may say about a camera. Built field by field (never by spreading the
 * config) so the RTSP url and its credentials cannot reach an answer.
 */
import type { Static } from 'typebox';
import { NvrError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { toIso } from '../core/time.js';
import type { RecorderStatus } from '../core/types.js';
import { cameraIdPattern } from '../config/schema.js';
import { maskSecrets } from '../core/redact.js';
import type { ApiCamera, ApiDeps } from './deps.js';
import { deviceView, healthCardView } from './camera-facts.js';
import type { CameraBody } from './schemas.js';

const slug = new RegExp(cameraIdPattern);

export type CameraView = Static<typeof CameraBody>;

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));

export function cameraView(camera: ApiCamera, status: RecorderStatus | null): CameraView {
  // No recorder status: nothing runs for this camera, so say so rather than guess.
  const state = status?.state ?? (camera.enabled ? 'stopped' : 'disabled');
  const sinceMs = status?.sinceMs ?? null;
  const lastSegmentEndMs = status?.lastSegmentEndMs ?? null;
  return {
    id: camera.id,
    name: camera.name,
    enabled: camera.enabled,
    state,
    sinceMs,
    since: isoOrNull(sinceMs),
    lastSegmentEndMs,
    lastSegmentEnd: isoOrNull(lastSegmentEndMs),
    restarts: status?.restarts ?? 0,
    // ffmpeg errors quote their input URL; mask it even if the recorder forgot to.
    lastError: status?.lastError == null ? null : redactText(status.lastError),
    stream: status?.stream ? { ...status.stream } : null,
    // Registry cameras only (a bare config camera has none of these).
    ...(camera.source === undefined ? {} : {
      source: camera.source,
      device: camera.device ? deviceView(camera.device) : null,
      healthCard: camera.healthCard ? healthCardView(camera.id, camera.healthCard) : null,
    }),
  };
}

/** A short, masked echo of user input for error messages (input may be a pasted URL). */
export function shown(value: string): string {
  const masked = maskSecrets(value);
  return masked.length > 64 ? `${masked.slice(0, 64)}…` : masked;
}

/** Validates the id and finds the camera, or throws INVALID_ID / CAMERA_NOT_FOUND. */
export function requireCamera(deps: ApiDeps, id: string): ApiCamera {
  if (!slug.test(id)) {
    throw new NvrError('INVALID_ID', `camera id '${shown(id)}' is not valid: use 1-63 lower-case letters, digits, '-' or '_'`);
  }
  const camera = deps.cameras().find((c) => c.id === id);
  if (!camera) throw new NvrError('CAMERA_NOT_FOUND', `camera '${id}' does not exist`);
  return camera;
}
