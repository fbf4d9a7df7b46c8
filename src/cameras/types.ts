/**
 * The cameras module's values: a camera as the rest of the daemon sees it (the registry
 * merges the config file's cameras with the ones stored through the API), what ONVIF
 * told us about it, and its health card. Credentials appear in exactly two places: the
 * recorder's `url`/`subUrl` (put back from the credential vault) and the config file's
 * own `onvif` block; nothing else here carries one.
 */
import type { CameraConfig } from '../config/types.js';
import type { MediaProfile } from '../discovery/types.js';

/** What the camera's ONVIF device service said, without credentials. */
export interface DeviceFacts {
  readonly host: string;
  readonly port: number;
  /** Device service path. */
  readonly path: string;
  /** WS-Discovery endpoint reference (urn:uuid:…); null when never seen by a scan. */
  readonly endpoint: string | null;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
  readonly serialNumber: string | null;
  readonly hardwareId: string | null;
  readonly profiles: readonly MediaProfile[];
  readonly mainProfile: string | null;
  readonly subProfile: string | null;
  /** HTTP snapshot URI (no credentials; most cameras want HTTP Digest for it). */
  readonly snapshotUri: string | null;
  /** Camera clock minus box clock when read; null when the camera gave no usable date. */
  readonly clockOffsetMs: number | null;
  readonly checkedAtMs: number;
}

/** What a short ffprobe of a stream measured. */
export interface StreamFacts {
  readonly videoCodec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  /** Frame rate the stream header declares. */
  readonly declaredFps: number | null;
  /** Video packets per second actually received during the probe. */
  readonly measuredFps: number | null;
  /**
   * Longest stretch seen between keyframes (ms). When fewer than two keyframes arrived,
   * it is the longest stretch seen without one: a lower bound (`keyframeIntervalIsLowerBound`).
   */
  readonly keyframeIntervalMs: number | null;
  readonly keyframeIntervalIsLowerBound: boolean;
  readonly audioCodec: string | null;
  readonly probeSeconds: number;
}

export type HealthWarningCode = 'keyframe-interval' | 'g711-audio' | 'h265-main' | 'clock-offset' | 'stream-unreadable';

export interface Bilingual {
  readonly vi: string;
  readonly en: string;
}

export interface HealthWarning {
  readonly code: HealthWarningCode;
  /** What is wrong and what it costs. */
  readonly message: Bilingual;
  /** What the installer should do about it. */
  readonly fix: Bilingual;
}

export interface HealthCard {
  readonly checkedAtMs: number;
  /** Main stream as measured; null when it could not be read (see streamError). */
  readonly stream: StreamFacts | null;
  readonly streamError: string | null;
  /** Encoding of the main and sub profiles as ONVIF declares them (null without ONVIF). */
  readonly mainEncoding: string | null;
  readonly subEncoding: string | null;
  /** Frame rate and GOP length the camera's main profile declares (ONVIF). */
  readonly onvifFps: number | null;
  readonly onvifGovLength: number | null;
  readonly clockOffsetMs: number | null;
  readonly warnings: readonly HealthWarning[];
}

/** A camera as the registry gives it to the recorder, the api and retention. */
export interface RegisteredCamera extends CameraConfig {
  /** Where it is defined: the config file (read-only through the API) or the API. */
  readonly source: 'config' | 'api';
  /** Sub-stream for live view, with credentials; null when unknown. */
  readonly subUrl: string | null;
  readonly device: DeviceFacts | null;
  readonly healthCard: HealthCard | null;
}

/** What an admin sends to add a camera: ONVIF (preferred) or a plain RTSP URL. */
export interface NewCameraInput {
  readonly id?: string;
  readonly name: string;
  readonly onvif?: { readonly host: string; readonly port?: number; readonly username: string; readonly password: string };
  readonly url?: string;
  readonly enabled?: boolean;
  readonly audio?: 'aac' | 'copy' | 'off';
}

/** What an admin may change on a stored camera; onvif re-reads the device. */
export interface CameraPatch {
  readonly name?: string;
  readonly enabled?: boolean;
  readonly audio?: 'aac' | 'copy' | 'off';
  readonly url?: string;
  readonly onvif?: { readonly host?: string; readonly port?: number; readonly username?: string; readonly password?: string };
}
