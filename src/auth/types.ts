/**
 * What the auth module offers the api (its port in ApiDeps): accounts, browser sessions
 * and API tokens. Views never carry a password hash, a session id or a token hash.
 */
import type { Role } from './roles.js';

/** The authenticated caller of a request. */
export interface Principal {
  /** Stable id: 'user:<id>' or 'token:<id>'. */
  readonly id: string;
  /** As written in the audit trail: the user name, or 'token:<name>' for an API token. */
  readonly name: string;
  readonly role: Role;
  readonly via: 'session' | 'token';
}

export interface UserView {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
  readonly createdMs: number;
  readonly updatedMs: number;
  readonly lastLoginMs: number | null;
}

export interface TokenView {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly createdMs: number;
  /** A user name, 'token:<name>' or 'cli'. */
  readonly createdBy: string;
  readonly lastUsedMs: number | null;
  readonly revokedMs: number | null;
}

export interface NewUserInput {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
}

export interface UserPatch {
  readonly role?: Role | undefined;
  readonly password?: string | undefined;
}

export interface NewSession {
  /** Goes into the cookie; only its sha256 is stored. */
  readonly sessionId: string;
  readonly user: UserView;
  readonly expiresMs: number;
}

export interface CreatedToken {
  /** Shown once; only its sha256 is stored. */
  readonly token: string;
  readonly view: TokenView;
}

export interface AccountsPort {
  list(): UserView[];
  create(input: NewUserInput): Promise<UserView>;
  /** Changing the password ends the user's sessions. */
  update(id: number, patch: UserPatch): Promise<UserView>;
  /** Refuses to remove the last admin. */
  remove(id: number): UserView;
}

export interface SessionsPort {
  /** Throws UNAUTHORIZED (wrong name or password) or RATE_LIMITED (with retryAfterSeconds). */
  login(username: string, password: string, address: string): Promise<NewSession>;
  logout(sessionId: string): void;
  /** The caller behind a session id; null when unknown, expired or idle too long. */
  principal(sessionId: string): Principal | null;
}

export interface TokensPort {
  list(): TokenView[];
  create(input: { name: string; role: Role; createdBy: string }): CreatedToken;
  revoke(id: number): TokenView;
  /** The caller behind a bearer token; null when unknown or revoked. */
  principal(token: string): Principal | null;
}

export interface AuthPort {
  readonly accounts: AccountsPort;
  readonly sessions: SessionsPort;
  readonly tokens: TokensPort;
}
