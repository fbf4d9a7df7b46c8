/**
 * Login rate limit: at most N attempts per address and per user name within a sliding
 * window. An attempt is counted when it starts (so parallel guesses cannot slip through
 * while scrypt runs) and forgiven when it succeeds. Uses the monotonic clock: a wall
 * clock step must not unlock or lock anyone. Memory is bounded (maxKeys).
 *
 * Trade-off, stated: the per-name limit lets someone on the LAN keep a known name (such
 * as 'admin') locked out by failing on purpose; the per-address limit alone would let a
 * spread of addresses guess one name forever.
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';

export interface LimiterSettings {
  readonly attempts: number;
  readonly windowMs: number;
  /** Distinct addresses + names remembered at most (a flood of names cannot grow memory). */
  readonly maxKeys?: number;
}

export interface Attempt {
  /** The attempt succeeded: it no longer counts against the address or the name. */
  forgive(): void;
}

export class LoginLimiter {
  private readonly seen = new Map<string, number[]>();
  private readonly maxKeys: number;

  constructor(private readonly clock: Clock, private readonly settings: LimiterSettings) {
    this.maxKeys = settings.maxKeys ?? 10_000;
  }

  /** Counts an attempt for both keys, or throws RATE_LIMITED (nothing counted). */
  begin(address: string, username: string): Attempt {
    const now = this.clock.monotonicMs();
    const keys = [`address:${address}`, `user:${username}`];
    for (const key of keys) {
      const times = this.recent(key, now);
      if (times.length >= this.settings.attempts) {
        const retryAfterSeconds = Math.max(1, Math.ceil((times[0]! + this.settings.windowMs - now) / 1000));
        const who = key.startsWith('user:') ? `user name '${username}'` : `address ${address}`;
        throw new NvrError('RATE_LIMITED', `too many login attempts for ${who}: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
      }
    }
    for (const key of keys) this.remember(key, now);
    return { forgive: () => keys.forEach((key) => this.forget(key, now)) };
  }

  private recent(key: string, now: number): number[] {
    const times = (this.seen.get(key) ?? []).filter((t) => t > now - this.settings.windowMs);
    if (times.length === 0) this.seen.delete(key);
    else this.seen.set(key, times);
    return times;
  }

  private remember(key: string, now: number): void {
    if (!this.seen.has(key) && this.seen.size >= this.maxKeys) this.evict(now);
    this.seen.set(key, [...(this.seen.get(key) ?? []), now]);
  }

  private forget(key: string, at: number): void {
    const times = this.seen.get(key);
    const i = times?.lastIndexOf(at) ?? -1;
    if (times && i >= 0) times.splice(i, 1);
  }

  /** Drop expired keys; if still full, the oldest-inserted keys go first. */
  private evict(now: number): void {
    for (const key of [...this.seen.keys()]) this.recent(key, now);
    for (const key of this.seen.keys()) {
      if (this.seen.size < this.maxKeys) break;
      this.seen.delete(key);
    }
  }
}
