/**
 * API tokens for scripts: `nvr_` + 256 random bits, shown once at creation; only the
 * sha256 is stored. Listable and revocable by admins; a revoked token keeps its row.
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import type { TokenRow } from '../store/tokens-repo.js';
import { asRole, type Role } from './roles.js';
import { checkRole, checkTokenName, isUniqueViolation, type AuthStore } from './rules.js';
import { randomSecret, sha256Hex } from './secrets.js';
import type { CreatedToken, Principal, TokenView, TokensPort } from './types.js';

export interface TokensDeps {
  readonly store: AuthStore;
  readonly clock: Clock;
  readonly policy: { readonly touchEveryMs: number };
}

const tokenPrefix = 'nvr_';
const tokenPattern = /^nvr_[A-Za-z0-9_-]{43}$/;

function tokenView(row: TokenRow): TokenView {
  return {
    id: row.id, name: row.name, role: asRole(row.role), createdMs: row.createdMs,
    createdBy: row.createdBy, lastUsedMs: row.lastUsedMs, revokedMs: row.revokedMs,
  };
}

export class Tokens implements TokensPort {
  constructor(private readonly deps: TokensDeps) {}

  list(): TokenView[] {
    return this.deps.store.tokens.list().map(tokenView);
  }

  create(input: { name: string; role: Role; createdBy: string }): CreatedToken {
    const name = checkTokenName(input.name);
    const role = checkRole(input.role);
    const token = `${tokenPrefix}${randomSecret()}`;
    try {
      const row = this.deps.store.tokens.insert({ name, role, tokenHash: sha256Hex(token), createdBy: input.createdBy, nowMs: this.deps.clock.nowMs() });
      return { token, view: tokenView(row) };
    } catch (err) {
      if (isUniqueViolation(err)) throw new NvrError('CONFLICT', `a live token is already named '${name}': revoke it or choose another name`);
      throw err;
    }
  }

  /** Idempotent: revoking a revoked token answers it unchanged. */
  revoke(id: number): TokenView {
    const { tokens } = this.deps.store;
    if (!tokens.get(id)) throw new NvrError('NOT_FOUND', `no API token with id ${id}`);
    tokens.revoke(id, this.deps.clock.nowMs());
    return tokenView(tokens.get(id)!);
  }

  principal(token: string): Principal | null {
    if (!tokenPattern.test(token)) return null;
    const row = this.deps.store.tokens.getLive(sha256Hex(token));
    if (!row) return null;
    const nowMs = this.deps.clock.nowMs();
    if (row.lastUsedMs === null || nowMs - row.lastUsedMs >= this.deps.policy.touchEveryMs) this.deps.store.tokens.touch(row.id, nowMs);
    return { id: `token:${row.id}`, name: `token:${row.name}`, role: asRole(row.role), via: 'token' };
  }
}
