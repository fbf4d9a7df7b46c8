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
  port: int(1, 65535, 8080),
});

const StorageSchema = section({
  dataDir: Type.String({ minLength: 1, maxLength: 4096, default: './data' }),
  segmentSeconds: int(2, 600, 60),
});

const RecorderSchema = section({
  stallTimeoutSeconds: int(2, 3600, 20),
  rtspTimeoutSeconds: int(1, 600, 5),
  restartBackoffInitialMs: int(100, 3_600_000, 1000),
  restartBackoffMaxMs: int(100, 3_600_000, 30_000),
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
