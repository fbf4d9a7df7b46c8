/**
 * Browser sessions: login checks the password (rate-limited), then hands out a random
 * 256-bit id for an HttpOnly cookie; only its sha256 is stored. A session ends at its
 * absolute expiry, after the idle limit, at logout, or when the password changes.
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import { userView } from './accounts.js';
import { LoginLimiter } from './login-limiter.js';
import { hashPassword, verifyPassword } from './password.js';
import type { AuthPolicy } from './policy.js';
import { passwordMaxLength } from './policy.js';
import { asRole } from './roles.js';
import type { AuthStore } from './rules.js';
import { randomSecret, secretPattern, sha256Hex } from './secrets.js';
import type { NewSession, Principal, SessionsPort } from './types.js';

export interface SessionsDeps {
  readonly store: AuthStore;
  readonly clock: Clock;
  readonly policy: AuthPolicy;
}

export class Sessions implements SessionsPort {
  private readonly limiter: LoginLimiter;
  /** Checked against when the user does not exist, so both cases cost one scrypt. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: SessionsDeps) {
    this.limiter = new LoginLimiter(deps.clock, { attempts: deps.policy.loginAttempts, windowMs: deps.policy.loginWindowMs });
  }

  async login(username: string, password: string, address: string): Promise<NewSession> {
    const name = username.trim().toLowerCase().slice(0, 64);
    const attempt = this.limiter.begin(address, name);
    const user = this.deps.store.users.getWithHash(name);
    this.dummyHash ??= hashPassword(randomSecret(), this.deps.policy.scrypt);
    const stored = user?.passwordHash ?? (await this.dummyHash);
    const ok = password.length <= passwordMaxLength && (await verifyPassword(password, stored));
    if (!user || !ok) throw new NvrError('UNAUTHORIZED', 'wrong username or password');
    attempt.forgive();

    const sessionId = randomSecret();
    const nowMs = this.deps.clock.nowMs();
    const expiresMs = nowMs + this.deps.policy.sessionLifetimeMs;
    const { sessions, users } = this.deps.store;
    this.deps.store.transaction(() => {
      sessions.prune(nowMs, this.deps.policy.sessionIdleMs);
      sessions.insert({ idHash: sha256Hex(sessionId), userId: user.id, nowMs, expiresMs, address });
      users.recordLogin(user.id, nowMs);
    });
    return { sessionId, user: userView({ ...user, lastLoginMs: nowMs }), expiresMs };
  }

  logout(sessionId: string): void {
    if (secretPattern.test(sessionId)) this.deps.store.sessions.delete(sha256Hex(sessionId));
  }

  principal(sessionId: string): Principal | null {
    if (!secretPattern.test(sessionId)) return null;
    const { sessions } = this.deps.store;
    const row = sessions.get(sha256Hex(sessionId));
    if (!row) return null;
    const nowMs = this.deps.clock.nowMs();
    if (nowMs >= row.expiresMs || nowMs - row.lastSeenMs >= this.deps.policy.sessionIdleMs) {
      sessions.delete(row.idHash);
      return null;
    }
    if (nowMs - row.lastSeenMs >= this.deps.policy.touchEveryMs) sessions.touch(row.idHash, nowMs);
    return { id: `user:${row.userId}`, name: row.username, role: asRole(row.role), via: 'session' };
  }
}
