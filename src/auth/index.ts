/** The auth module as the api sees it (ApiDeps.auth): accounts, sessions, tokens. */
import type { Clock } from '../core/clock.js';
import { Accounts } from './accounts.js';
import { defaultPolicy, type AuthPolicy } from './policy.js';
import type { AuthStore } from './rules.js';
import { Sessions } from './sessions.js';
import { Tokens } from './tokens.js';
import type { AuthPort } from './types.js';

export interface AuthDeps {
  readonly store: AuthStore;
  readonly clock: Clock;
  readonly policy?: AuthPolicy;
}

export function createAuth(deps: AuthDeps): AuthPort {
  const full = { ...deps, policy: deps.policy ?? defaultPolicy };
  return { accounts: new Accounts(full), sessions: new Sessions(full), tokens: new Tokens(full) };
}
