/**
 * The configuration schema (TypeBox = JSON Schema + static type). Every object is closed
 * (`additionalProperties: false`) so a typo such as `server.hots` is an error instead of a
 * silently ignored key. Defaults live here, in one place; config/default.yaml only spells
 * out what a fresh box runs with.
 *
 * `hint` is our own annotation: the loader shows it instead of the raw JSON Schema
 * message (e.g. a regex) when a value does not match.
 */
import Type, { type Static } from 'typebox';
import type { Config } from './types.js';

/** Camera ids appear in file names and URLs, so they are slugs (no '/', no '..'). */
export const cameraIdPattern = '^[a-z0-9][a-z0-9_-]{0,62}$';

/** Closed object with a default of `{}`, so a whole section may be left out. */
function section<P extends Type.TProperties>(properties: P) {
  return Type.Object(properties, { additionalProperties: false, default: {} });
}

function int(minimum: number, maximum: number, dflt: number) {
  return Type.Integer({ minimum, maximum, default: dflt });
}

const ServerSchema = section({
  host: Type.String({ minLength: 1, maxLength: 253, pattern: '^\\S+$', default: '0.0.0.0', hint: 'must be an address or host name without spaces' }),
  // 0 asks the OS for any free port (tests, benches); the daemon logs the URL it got.
  port: int(0, 65535, 8080),
});

const StorageSchema = section({
  dataDir: Type.String({ minLength: 1, maxLength: 4096, default: './data' }),
  segmentSeconds: int(2, 600, 60),
});

const RecorderSchema = section({
  stallTimeoutSeconds: int(2, 3600, 15),
  rtspTimeoutSeconds: int(1, 600, 5),
  restartBackoffInitialMs: int(100, 3_600_000, 1000),
  restartBackoffMaxMs: int(100, 3_600_000, 10_000),
  maxRestartsPerHour: int(1, 3600, 60),
  stopTimeoutMs: int(100, 600_000, 10_000),
  clockStepToleranceMs: int(100, 3_600_000, 3000),
  ffmpegPath: Type.String({ minLength: 1, default: 'ffmpeg' }),
  ffprobePath: Type.String({ minLength: 1, default: 'ffprobe' }),
});

/** Off unless asked for: a production file that omits `demo` must not start a test camera. */
const DemoSchema = section({
  enabled: Type.Boolean({ default: false }),
  rtspPort: int(1, 65535, 8554),
});

/**
 * Retention (src/retention): age per camera, free space (the larger of a fraction of the
 * disk and N minutes of recent bandwidth, refilled to `highWater`), optional byte quotas
 * per camera (cameras[].maxBytes), and the warning threshold for held footage.
 */
const RetentionSchema = section({
  maxAgeDays: int(1, 3650, 30),
  minFreeFraction: Type.Number({ minimum: 0.01, maximum: 0.5, default: 0.05 }),
  minFreeMinutes: int(0, 10_080, 60),
  highWater: Type.Number({ minimum: 0.02, maximum: 0.9, default: 0.1 }),
  warnHoursLeft: int(0, 87_600, 72),
  checkSeconds: int(1, 3600, 60),
});

/** Clips, stills and playback (src/clips): request limits and the still job limiter. */
const ClipsSchema = section({
  maxClipSeconds: int(1, 86_400, 4 * 3600),
  maxPlaylistSeconds: int(60, 7 * 86_400, 86_400),
  stillConcurrency: int(1, 16, 2),
  stillTimeoutMs: int(500, 120_000, 10_000),
  stillWarmProcesses: int(0, 8, 2),
  indexCacheEntries: int(16, 1_000_000, 4096),
});

/**
 * Evidence exports (src/exports): the longest range, an I/O bound so exports yield to
 * recording, and how many days a finished package stays on disk (0 = until deleted by hand).
 */
const ExportsSchema = section({
  maxRangeSeconds: int(60, 7 * 86_400, 86_400),
  maxBytesPerSecond: int(0, 10_000_000_000, 0),
  keepDays: int(0, 3650, 7),
});

/** Integrity at rest (src/integrity): hashing at close, and the background re-check's pace. */
const IntegritySchema = section({
  hashOnClose: Type.Boolean({ default: true }),
  verifyBytesPerSecond: int(0, 10_000_000_000, 8 * 1024 * 1024),
  chainCheckSeconds: int(1, 7 * 86_400, 3600),
  reverifyHours: int(0, 24 * 365, 24),
});

/**
 * Camera discovery and onboarding (src/discovery, src/cameras): WS-Discovery probes go out
 * through every IPv4 interface, `probeRounds` times `probeIntervalMs` apart, each listening
 * `listenMs`; one ONVIF request may take `requestTimeoutMs`; the health card's ffprobe
 * watches a stream for `streamProbeSeconds` (long enough to see two keyframes 4 s apart).
 */
const DiscoverySchema = section({
  probeRounds: int(1, 10, 3),
  probeIntervalMs: int(0, 10_000, 700),
  listenMs: int(200, 30_000, 2000),
  includeLoopback: Type.Boolean({ default: false }),
  interfaces: Type.Array(Type.String({ minLength: 1, maxLength: 15, pattern: '^\\S+$', hint: 'must be an interface name (eth0, wlan0) without spaces' }), { maxItems: 64, default: [] }),
  requestTimeoutMs: int(500, 60_000, 5000),
  streamProbeSeconds: int(2, 60, 10),
});

/** ONVIF device service of a config-file camera: its clock and details feed the health card. */
const CameraOnvifSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[^\\s/@]+$', hint: 'must be an address or host name (no scheme, path or user)' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 80 }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    password: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

const LogSchema = section({
  level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { default: 'info' }),
});

const CameraSchema = Type.Object(
  {
    id: Type.String({ pattern: cameraIdPattern, hint: 'is not a valid id: use 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit' }),
    /** Optional: the loader uses the id when a camera has no display name. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    url: Type.String({ pattern: '^rtsps?://[^\\s/?#]+', maxLength: 2048, hint: 'must be an rtsp:// or rtsps:// URL with a host' }),
    enabled: Type.Boolean({ default: true }),
    audio: Type.Enum(['aac', 'copy', 'off'], { default: 'aac' }),
    /** Overrides retention.maxAgeDays for this camera. */
    retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** Byte quota: the camera's oldest unheld footage goes when it holds more. */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1_000_000 })),
    onvif: Type.Optional(CameraOnvifSchema),
    /** Sub-stream for live view in the grid (never recorded). */
    subUrl: Type.Optional(Type.String({ pattern: '^rtsps?://[^\\s/?#]+', maxLength: 2048, hint: 'must be an rtsp:// or rtsps:// URL with a host' })),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    server: ServerSchema,
    storage: StorageSchema,
    recorder: RecorderSchema,
    demo: DemoSchema,
    log: LogSchema,
    retention: RetentionSchema,
    clips: ClipsSchema,
    exports: ExportsSchema,
    integrity: IntegritySchema,
    discovery: DiscoverySchema,
    cameras: Type.Array(CameraSchema, { maxItems: 256, default: [] }),
  },
  { additionalProperties: false },
);

/** What passes the schema; load.ts turns it into a Config (name filled, dataDir absolute). */
export type ConfigInput = Static<typeof ConfigSchema>;

/**
 * Compile-time guard: if the schema and the Config contract drift apart, this line stops
 * compiling (except `name`, which the loader fills in).
 */
type SchemaMatchesConfig = Omit<ConfigInput, 'cameras'> extends Omit<Config, 'cameras'>
  ? ConfigInput['cameras'][number] extends Omit<Config['cameras'][number], 'name'> ? true : never
  : never;
export const schemaMatchesConfig: SchemaMatchesConfig = true;
