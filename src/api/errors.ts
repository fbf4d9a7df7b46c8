/**
 * The one place where errors become HTTP answers. Every error body is `{code, message}`;
 * bad input is a 4xx naming the field, never a 500 or a stack trace. Unexpected errors
 * are logged (redacted: they may quote an RTSP URL) and answered with a bare 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodes, isNvrError, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redactText } from '../core/redact.js';
import type { ApiApp } from './schemas.js';

interface ErrorReply {
  status: number;
  code: ErrorCode;
  message: string;
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Our code for a plain 4xx that fastify raised itself (bad JSON, 413, 415, …). */
function codeForStatus(status: number): ErrorCode {
  const found = (Object.keys(errorCodes) as ErrorCode[]).find((c) => errorCodes[c] === status);
  return found ?? 'BAD_REQUEST';
}

function validationMessage(err: FastifyError): string {
  const first = (err.validation?.[0] ?? {}) as ValidationItem;
  const missing = first.params?.['requiredProperties'] ?? first.params?.['missingProperty'];
  const pointer = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const field = [err.validationContext, pointer || (Array.isArray(missing) ? missing.join(', ') : missing)]
    .filter((s) => typeof s === 'string' && s !== '')
    .join('.');
  return redactText(`${field || 'request'}: ${first.message ?? 'is invalid'}`);
}

export function toErrorReply(err: unknown): ErrorReply {
  if (isNvrError(err)) return { status: err.httpStatus, code: err.code, message: redactText(err.message) };
  const fe = err as Partial<FastifyError> | null;
  if (fe && Array.isArray(fe.validation)) {
    return { status: 400, code: 'BAD_REQUEST', message: validationMessage(fe as FastifyError) };
  }
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: codeForStatus(status), message: redactText(String(fe?.message ?? 'bad request')) };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

function logUnexpected(log: Logger, err: unknown, req: FastifyRequest): void {
  const e = err instanceof Error ? err : new Error(String(err));
  log.error(
    { err: { type: e.name, message: redactText(e.message), stack: redactText(e.stack ?? '') }, method: req.method, path: pathOf(req) },
    'request failed',
  );
}

/** The request path for messages: decoded first, so an encoded `user:pass@` is masked too. */
function pathOf(req: FastifyRequest): string {
  const raw = req.url.split('?')[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    path = raw;
  }
  return redactText(path.length > 200 ? `${path.slice(0, 200)}…` : path);
}

/** Route patterns seen so far, to tell "wrong method" (405) from "no such path" (404). */
class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(url: string, methods: string | string[]): void {
    const source = url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    this.routes.push({ pattern: new RegExp(`^${source}$`), methods: new Set([methods].flat()) });
  }

  methodsFor(path: string): string[] {
    const found = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) r.methods.forEach((m) => found.add(m));
    return [...found].sort();
  }
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing and before any hook,
 * such as a URL whose %-escapes do not decode (FST_ERR_BAD_URL). Same `{code, message}`.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const out = err.code === 'FST_ERR_BAD_URL'
    ? { status: 400, code: 'BAD_REQUEST', message: `the URL has a malformed %-escape: ${pathOf(req)}` }
    : toErrorReply(err);
  void reply.status(out.status).send({ code: out.code, message: out.message });
}

/** Call before registering routes: the route table learns them through onRoute. */
export function registerErrorHandling(app: ApiApp, log: Logger): void {
  const table = new RouteTable();
  app.addHook('onRoute', (route) => table.add(route.url, route.method));

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const out = toErrorReply(err);
    if (out.status >= 500) logUnexpected(log, err, req);
    // A rate limit says when to come back (RFC 9110 Retry-After, seconds).
    const retryAfter = isNvrError(err) ? err.details?.['retryAfterSeconds'] : undefined;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    return reply.status(out.status).send({ code: out.code, message: out.message });
  });

  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(req);
    const allowed = table.methodsFor(req.url.split('?')[0] ?? '');
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({ code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}` });
    }
    return reply.status(404).send({ code: 'NOT_FOUND', message: `no such endpoint: ${req.method} ${path}` });
  });
}
