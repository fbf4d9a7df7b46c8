/**
 * One registry of coded errors. Modules throw NvrError with a code; only the api maps
 * codes to HTTP status. Messages name the field and the bad value, never a credential.
 */
export const errorCodes = {
  BAD_REQUEST: 400,
  INVALID_TIME: 400,
  INVALID_RANGE: 400,
  INVALID_ID: 400,
  RANGE_TOO_LONG: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CAMERA_NOT_FOUND: 404,
  NOTHING_RECORDED: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** The thing existed and was removed on purpose (an expired or deleted export package). */
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class NvrError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'NvrError';
  }

  get httpStatus(): number {
    return errorCodes[this.code];
  }
}

export function isNvrError(err: unknown): err is NvrError {
  return err instanceof NvrError;
}
