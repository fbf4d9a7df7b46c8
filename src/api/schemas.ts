/**
 * Response shapes of the HTTP API (TypeBox). They double as a leak guard: the serializer
 * writes only the properties listed here, so a camera `url` can never slip into an answer
 * even if a view object carried one. Field names are a contract with the web UI and
 * field scripts: times are both epoch ms (`…Ms`) and ISO-8601 UTC strings.
 */
import Type from 'typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CameraFactsProperties } from './camera-facts.js';

/** The app as built by buildApp: TypeBox-typed routes; still a plain FastifyInstance to callers. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorBody = Type.Object({
  code: Type.String({ description: 'Stable error code, e.g. CAMERA_NOT_FOUND' }),
  message: Type.String({ description: 'Human-readable; names the field and the bad value' }),
});

/** The 4xx answers every route may give, for the OpenAPI document. */
export const errorResponses = { 400: ErrorBody, 404: ErrorBody } as const;

export const HealthBody = Type.Object({
  status: Type.Enum(['ok', 'degraded', 'critical']),
  reasons: Type.Array(Type.String()),
  version: Type.String(),
  timeMs: Type.Integer(),
  time: Type.String(),
  identity: Type.Optional(Type.Object({
    boxId: Type.String(),
    fingerprint: Type.String({ description: 'SHA-256 of the public key that signs exports (GET /api/v1/identity)' }),
  })),
});

export const StreamBody = Type.Object({
  videoCodec: Nullable(Type.String()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  fps: Nullable(Type.Number()),
  audioCodec: Nullable(Type.String()),
});

export const CameraBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  enabled: Type.Boolean(),
  state: Type.Enum(['recording', 'connecting', 'stalled', 'failed', 'disabled', 'stopped', 'paused']),
  sinceMs: Nullable(Type.Integer()),
  since: Nullable(Type.String()),
  lastSegmentEndMs: Nullable(Type.Integer()),
  lastSegmentEnd: Nullable(Type.String()),
  restarts: Type.Integer(),
  lastError: Nullable(Type.String()),
  stream: Nullable(StreamBody),
  ...CameraFactsProperties,
});

export const CameraListBody = Type.Object({ cameras: Type.Array(CameraBody) });

export const CameraIdParams = Type.Object({
  // Deliberately no pattern here: a bad id must answer INVALID_ID (checked in the
  // handler), not the generic BAD_REQUEST of schema validation.
  id: Type.String(),
});

export const RangeQuery = Type.Object({
  // Optional in the schema so that a missing value gets the same INVALID_TIME answer
  // (with an example of the accepted formats) as a malformed one.
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
});

const Span = {
  from: Type.String(),
  to: Type.String(),
  fromMs: Type.Integer(),
  toMs: Type.Integer(),
};

export const CoverageBody = Type.Object({
  cameraId: Type.String(),
  ...Span,
  runs: Type.Array(Type.Object(Span)),
  gaps: Type.Array(Type.Object({ ...Span, reason: Type.String() })),
});
