/**
 * Turns TypeBox validation errors into problems a field installer can act on:
 * `cameras[1].url: 'http://***@10.0.0.5/ch1' must be an rtsp:// or rtsps:// URL with a host`.
 * Every value shown goes through maskSecrets, because a camera URL carries user:pass.
 */
import { maskSecrets } from '../core/redact.js';

export { maskSecrets };

/** The fields of a TypeBox `Value.Errors` entry that we use. */
export interface RawError {
  readonly keyword: string;
  readonly schemaPath: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

export interface Problem {
  readonly path: string;
  readonly message: string;
}

type SchemaNode = Record<string, unknown>;

/** JSON Pointer (`/cameras/1/url`) → the path users write (`cameras[1].url`). */
export function displayPath(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '(root)' : out;
}

function join(path: string, key: string): string {
  return path === '(root)' ? key : `${path}.${key}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as SchemaNode)[key] : undefined;
  }
  return node;
}

function schemaAt(root: unknown, schemaPath: string): SchemaNode {
  let node = root;
  for (const key of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = node !== null && typeof node === 'object' ? (node as SchemaNode)[key] : undefined;
  }
  return (node ?? {}) as SchemaNode;
}


/** A short, masked rendering of a bad value. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    // Mask before cutting, so a cut cannot hide the '@' that marks a credential.
    const masked = maskSecrets(value);
    return `'${masked.length > 80 ? `${masked.slice(0, 80)}…` : masked}'`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const typeNames: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
};

/** What a describer gets: the error, where it is, the value shown masked, its schema. */
interface ErrorContext {
  readonly err: RawError;
  readonly path: string;
  readonly shown: string;
  readonly schema: SchemaNode;
}

type Describer = (c: ErrorContext) => Problem[] | string;

const limit = (c: ErrorContext) => String(c.err.params['limit']);
const keysOf = (c: ErrorContext, param: string) => (c.err.params[param] as string[] | undefined) ?? [];

function rangeMessage({ shown, schema, err }: ErrorContext): string {
  const { minimum, maximum } = schema;
  if (typeof minimum === 'number' && typeof maximum === 'number') {
    return `${shown} is out of range: must be between ${minimum} and ${maximum}`;
  }
  return `${shown} ${err.message}`;
}

/** Per JSON Schema keyword; a string is the message for the error's own path. */
const describers: Record<string, Describer> = {
  additionalProperties: (c) => keysOf(c, 'additionalProperties').map((k) => ({ path: join(c.path, k), message: 'unknown key' })),
  // `additionalProperties: false` also reports each extra key as "schema is false";
  // the additionalProperties entry already names it.
  boolean: (c) => (c.err.schemaPath.endsWith('/additionalProperties') ? [] : 'is not allowed'),
  required: (c) => keysOf(c, 'requiredProperties').map((k) => ({ path: join(c.path, k), message: 'is required' })),
  type: (c) => `must be ${typeNames[String(c.err.params['type'])] ?? String(c.err.params['type'])} (got ${c.shown})`,
  minimum: rangeMessage,
  maximum: rangeMessage,
  enum: (c) => `${c.shown} is not one of: ${((c.err.params['allowedValues'] as unknown[] | undefined) ?? []).join(', ')}`,
  pattern: (c) => `${c.shown} ${typeof c.schema['hint'] === 'string' ? c.schema['hint'] : `must match ${String(c.err.params['pattern'])}`}`,
  minLength: (c) => (c.err.params['limit'] === 1 ? 'must not be empty' : `${c.shown} is too short (at least ${limit(c)} characters)`),
  maxLength: (c) => `is too long (at most ${limit(c)} characters)`,
  maxItems: (c) => `has too many entries (at most ${limit(c)})`,
};

/** One TypeBox error → zero or more problems (unknown keys fan out, duplicates vanish). */
export function describeSchemaError(rootSchema: unknown, rootValue: unknown, err: RawError): Problem[] {
  const c: ErrorContext = {
    err,
    path: displayPath(err.instancePath),
    shown: showValue(valueAt(rootValue, err.instancePath)),
    schema: schemaAt(rootSchema, err.schemaPath),
  };
  const describe = describers[err.keyword] ?? ((x: ErrorContext) => `${x.shown} ${maskSecrets(x.err.message)}`);
  const out = describe(c);
  return typeof out === 'string' ? [{ path: c.path, message: out }] : out;
}
