/**
 * The api's port: everything it needs from the rest of the daemon, as plain functions.
 * The daemon wires real services in; tests pass plain objects. The api never imports the
 * store, the recorder or the config loader directly.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { RecorderStatus } from '../core/types.js';
import type { CameraConfig } from '../config/types.js';
import type { CameraAdmin } from '../cameras/admin.js';
import type { RegisteredCamera } from '../cameras/types.js';
import type { DiscoveredDevice } from '../discovery/types.js';
import type { AuditPort } from './access.js';
import type { AuthPort } from '../auth/types.js';
import type { AuditReader } from '../audit/types.js';
import type { ClipService } from '../clips/clip-service.js';
import type { PlaybackService } from '../clips/playback.js';
import type { StillService } from '../clips/stills.js';
import type { HoldsService } from '../holds/holds-service.js';
import type { StorageSnapshot } from '../retention/snapshot.js';
import type { WatcherStats } from '../retention/files-watcher.js';
import type { BoxIdentity } from '../identity/box-identity.js';
import type { ExportService } from '../exports/export-service.js';
import type { ExportsStorage } from '../exports/housekeeping.js';
import type { LivePort } from '../live/live-hub.js';

export interface TimeSpan {
  fromMs: number;
  toMs: number;
}

export interface CoverageGap extends TimeSpan {
  /** Why nothing was recorded (a RunEndReason, 'no-recording', …); shown to officers. */
  reason: string;
}

export interface Coverage {
  runs: TimeSpan[];
  gaps: CoverageGap[];
}

export type HealthStatus = 'ok' | 'degraded' | 'critical';

/** A camera as the api sees it: its config, plus the registry's facts when it has them. */
export type ApiCamera = CameraConfig & Partial<Pick<RegisteredCamera, 'source' | 'device' | 'healthCard'>>;

/** ONVIF discovery, with devices already marked when a camera records them. */
export interface DiscoveryPort {
  scan(): Promise<DiscoveredDevice[]>;
  /** Manual add for networks that drop multicast: is there an ONVIF device at host:port? */
  checkAddress(host: string, port: number): Promise<DiscoveredDevice>;
}

/** What the api needs of the metrics: the /metrics text and one call per HTTP answer. */
export interface ApiMetrics {
  render(): Promise<{ contentType: string; body: string }>;
  /** `route` is the route pattern (or 'unmatched'), never the raw URL. */
  observeHttp(method: string, route: string, status: number, ms: number): void;
}

export interface ApiDeps {
  log: Logger;
  clock: Clock;
  /** Current cameras. Their `url` holds credentials: routes must never return it. */
  cameras: () => readonly ApiCamera[];
  /** null when no recorder runs for this camera (disabled, or not started yet). */
  recorderStatus: (cameraId: string) => RecorderStatus | null;
  recordings: {
    /** What is recorded in [fromMs, toMs): continuous runs and the gaps between them. */
    coverage(cameraId: string, fromMs: number, toMs: number): Coverage;
  };
  health: () => { status: HealthStatus; reasons: string[] };
  /** Prometheus metrics; without it there is no /metrics route (unit tests of other routes). */
  metrics?: ApiMetrics;
  version: string;
  /** The audit trail: every clip, still, playback, export, login and settings change. */
  audit: AuditPort;
  /** Reading and verifying the audit trail (admins). */
  auditLog: AuditReader;
  /** Users, browser sessions and API tokens; the auth plugin and the account routes use it. */
  auth: AuthPort;
  /** Clips of a range: plan (segments, gaps, length, ETag), then stream bytes of it. */
  clips: Pick<ClipService, 'plan' | 'open'>;
  /** The frame at an instant as a JPEG. */
  stills: Pick<StillService, 'still'>;
  /** HLS playlists over the recordings and the segment resources they name. */
  playback: Pick<PlaybackService, 'playlist' | 'segment'>;
  /** Evidence holds (routes/holds.ts); without it the hold routes are not registered. */
  holds?: Pick<HoldsService, 'create' | 'list' | 'get' | 'extend' | 'release'>;
  /** The box's signing identity (GET /api/v1/identity, and its fingerprint in health). */
  identity?: Pick<BoxIdentity, 'boxId' | 'algorithm' | 'fingerprint' | 'publicKeyPem' | 'hostname' | 'createdMs'>;
  /** Evidence export jobs (routes/exports.ts); without it those routes are not registered. */
  exports?: Pick<ExportService, 'create' | 'get' | 'list' | 'download' | 'downloaded' | 'release' | 'remove'>;
  /**
   * Retention's figures, the recordings watcher's counters and the export packages' bytes
   * (computed by the export side: retention never looks into the exports folder).
   */
  storage?: () => StorageSnapshot & { watcher: WatcherStats; exports: ExportsStorage };
  /** Camera onboarding, changes and health cards (admins); without it those routes are not registered. */
  cameraAdmin?: Pick<CameraAdmin, 'add' | 'update' | 'remove' | 'healthCard'>;
  /** WS-Discovery scans and manual checks (admins); without it those routes are not registered. */
  discovery?: DiscoveryPort;
  /** Live view (fMP4 over WebSocket); without it the live route is not registered. */
  live?: LivePort;
  /** Folder of the built web app (web/dist); without it the daemon serves no UI. */
  webRoot?: string;
}
