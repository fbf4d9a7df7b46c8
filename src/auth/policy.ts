/**
 * The numbers of the access-control policy, in one place. Tests pass their own (a short
 * idle limit, a cheap scrypt) through the same shape; the daemon uses the defaults.
 */
export interface AuthPolicy {
  /** A session unused this long ends (an unattended screen at the post). */
  readonly sessionIdleMs: number;
  /** A session ends this long after login however active it is (one shift). */
  readonly sessionLifetimeMs: number;
  /** last_seen_ms / last_used_ms are written at most this often (a write per request is waste). */
  readonly touchEveryMs: number;
  /** Login attempts allowed per address and per user name within the window. */
  readonly loginAttempts: number;
  readonly loginWindowMs: number;
  /** scrypt cost for new hashes (stored with each hash, so it can be raised later). */
  readonly scrypt: ScryptParams;
}

export interface ScryptParams {
  /** CPU/memory cost, a power of two; memory is 128 * N * r bytes. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const defaultPolicy: AuthPolicy = {
  sessionIdleMs: 60 * 60_000,
  sessionLifetimeMs: 12 * 3600_000,
  touchEveryMs: 60_000,
  loginAttempts: 5,
  loginWindowMs: 5 * 60_000,
  // 32 MiB and ~0.1 s per hash on the 2-core box: slow for a guesser, and two logins at
  // once cannot exhaust its memory (OWASP's 2^17 would take 128 MiB each).
  scrypt: { N: 2 ** 15, r: 8, p: 1 },
};

/** Login names: lower-case, no ':' (audit actors 'token:<name>' stay unambiguous). */
export const usernamePattern = '^[a-z0-9][a-z0-9._-]{0,31}$';
/** API token names, as chosen by their creator. */
export const tokenNamePattern = '^[a-z0-9][a-z0-9._-]{0,63}$';
export const passwordMinLength = 10;
/** Bounds the work one login can cause (scrypt reads the whole password). */
export const passwordMaxLength = 256;
