/** Shapes of the API answers the pages read (see src/api/schemas.ts and the routes). */
export type Role = 'viewer' | 'investigator' | 'admin';

export interface Principal {
  id: string;
  name: string;
  role: Role;
  via: 'session' | 'token';
}

export type CameraState = 'recording' | 'connecting' | 'stalled' | 'failed' | 'disabled' | 'stopped' | 'paused';

export interface Bilingual { vi: string; en: string }

export interface HealthCard {
  cameraId: string;
  status: 'ok' | 'warning';
  checkedAtMs: number;
  stream: {
    videoCodec: string | null; width: number | null; height: number | null;
    declaredFps: number | null; measuredFps: number | null;
    keyframeIntervalMs: number | null; keyframeIntervalIsLowerBound: boolean; audioCodec: string | null;
  } | null;
  streamError: string | null;
  mainEncoding: string | null;
  subEncoding: string | null;
  clockOffsetMs: number | null;
  warnings: { code: string; message: Bilingual; fix: Bilingual }[];
}

export interface Camera {
  id: string;
  name: string;
  enabled: boolean;
  state: CameraState;
  sinceMs: number | null;
  lastSegmentEndMs: number | null;
  restarts: number;
  lastError: string | null;
  stream: { videoCodec: string | null; width: number | null; height: number | null; fps: number | null; audioCodec: string | null } | null;
  source?: 'config' | 'api';
  device?: { host: string; port: number; manufacturer: string | null; model: string | null; firmwareVersion: string | null } | null;
  healthCard?: HealthCard | null;
}

export interface Span { fromMs: number; toMs: number }
export interface Coverage { cameraId: string; fromMs: number; toMs: number; runs: Span[]; gaps: (Span & { reason: string })[] }

export interface Still {
  cameraId: string;
  status: 'ok' | 'nothing-recorded' | 'error';
  dataUrl: string | null;
  url: string;
  message: string | null;
}

export interface Hold {
  id: number; cameras: string[]; caseNumber: string; reason: string;
  fromMs: number; toMs: number; untilMs: number | null; createdMs: number; createdBy: string;
  releasedMs: number | null; releasedBy: string | null; active: boolean; segments: number; bytes: number;
}

/** An evidence export (POST/GET /api/v1/exports): a signed package of cameras × range. */
export interface ExportJob {
  id: number;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** 0..1 */
  progress: number;
  downloadUrl: string | null;
  cameras: string[];
  fromMs: number;
  toMs: number;
  caseNumber: string;
  reason: string;
  createdBy: string;
  createdMs: number;
  holdId: number | null;
  error: string | null;
  packageBytes: number | null;
  packageSha256: string | null;
  downloadedMs: number | null;
  deletedMs: number | null;
}

export interface User { id: number; username: string; role: Role; createdMs: number; lastLoginMs: number | null }

export interface AuditEntry {
  id: number; atMs: number; actor: string; address: string; action: string; result: string;
  cameraId: string | null; fromMs: number | null; toMs: number | null; bytes: number | null; detail: string | null;
}

export interface DiscoveredDevice {
  address: string; port: number; manufacturer: string | null; model: string | null; serial: string | null;
  interfaces: string[]; clockOffsetMs: number | null; alreadyAdded: boolean; cameraId: string | null;
}
