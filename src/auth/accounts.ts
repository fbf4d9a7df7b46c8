/**
 * User accounts: create, change role or password, remove. There is always at least one
 * admin: the last one can be neither demoted nor removed (nobody could manage the box).
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import type { UserRow } from '../store/users-repo.js';
import { hashPassword } from './password.js';
import type { AuthPolicy } from './policy.js';
import { asRole } from './roles.js';
import { checkPassword, checkRole, checkUsername, isUniqueViolation, type AuthStore } from './rules.js';
import type { AccountsPort, NewUserInput, UserPatch, UserView } from './types.js';

export interface AccountsDeps {
  readonly store: AuthStore;
  readonly clock: Clock;
  readonly policy: AuthPolicy;
}

export function userView(row: UserRow): UserView {
  return {
    id: row.id, username: row.username, role: asRole(row.role),
    createdMs: row.createdMs, updatedMs: row.updatedMs, lastLoginMs: row.lastLoginMs,
  };
}

export class Accounts implements AccountsPort {
  constructor(private readonly deps: AccountsDeps) {}

  list(): UserView[] {
    return this.deps.store.users.list().map(userView);
  }

  async create(input: NewUserInput): Promise<UserView> {
    const username = checkUsername(input.username);
    const role = checkRole(input.role);
    const passwordHash = await hashPassword(checkPassword(input.password), this.deps.policy.scrypt);
    try {
      return userView(this.deps.store.users.insert({ username, role, passwordHash, nowMs: this.deps.clock.nowMs() }));
    } catch (err) {
      if (isUniqueViolation(err)) throw new NvrError('CONFLICT', `username '${username}' is taken`);
      throw err;
    }
  }

  async update(id: number, patch: UserPatch): Promise<UserView> {
    if (patch.role === undefined && patch.password === undefined) {
      throw new NvrError('BAD_REQUEST', 'nothing to change: give role, password or both');
    }
    this.require(id);
    const role = patch.role === undefined ? undefined : checkRole(patch.role);
    const hash = patch.password === undefined ? undefined : await hashPassword(checkPassword(patch.password), this.deps.policy.scrypt);
    const { users, sessions } = this.deps.store;
    // Re-read inside the transaction: the user may have changed while scrypt ran.
    this.deps.store.transaction(() => {
      const current = this.require(id);
      const nowMs = this.deps.clock.nowMs();
      if (role !== undefined && role !== current.role) {
        if (current.role === 'admin') this.keepAnAdmin(current, 'demote');
        users.setRole(id, role, nowMs);
      }
      if (hash !== undefined) {
        users.setPasswordHash(id, hash, nowMs);
        sessions.deleteForUser(id); // a changed password must lock out a stolen session
      }
    });
    return this.require(id);
  }

  remove(id: number): UserView {
    return this.deps.store.transaction(() => {
      const user = this.require(id);
      if (user.role === 'admin') this.keepAnAdmin(user, 'remove');
      this.deps.store.users.delete(id);
      return user;
    });
  }

  private require(id: number): UserView {
    const row = this.deps.store.users.get(id);
    if (!row) throw new NvrError('NOT_FOUND', `no user with id ${id}`);
    return userView(row);
  }

  private keepAnAdmin(user: UserView, what: 'demote' | 'remove'): void {
    if (this.deps.store.users.count('admin') <= 1) {
      throw new NvrError('CONFLICT', `cannot ${what} '${user.username}': it is the last admin (create another admin first)`);
    }
  }
}
