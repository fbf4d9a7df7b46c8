/**
 * Real access-control deps for API tests: a temp SQLite index (migrated), the real auth
 * services and audit trail, and one live API token per role. Spread `fixture.deps` into
 * an ApiDeps and send `fixture.bearer('admin')` as headers.
 *
 * scrypt runs with N = 2^12 here (the real algorithm at a test-sized cost): the
 * password tests in test/auth.test.ts use the production parameters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiDeps } from '../../src/api/deps.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { createAuth } from '../../src/auth/index.js';
import { defaultPolicy, type AuthPolicy } from '../../src/auth/policy.js';
import { roles, type Role } from '../../src/auth/roles.js';
import type { AuthPort } from '../../src/auth/types.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { openStore, type Store } from '../../src/store/db.js';
import type { CameraConfig } from '../../src/config/types.js';

export const testPolicy: AuthPolicy = { ...defaultPolicy, scrypt: { N: 2 ** 12, r: 8, p: 1 } };

export interface AuthFixture {
  readonly dir: string;
  readonly store: Store;
  readonly auth: AuthPort;
  readonly audit: AuditTrail;
  /** The access-control part of ApiDeps. */
  readonly deps: Pick<ApiDeps, 'auth' | 'audit' | 'auditLog'>;
  /** A live API token per role. */
  readonly tokens: Readonly<Record<Role, string>>;
  bearer(role: Role): { authorization: string };
  /** Creates a user and returns its password. */
  addUser(username: string, role: Role): Promise<string>;
  close(): void;
}

export interface AuthFixtureOptions {
  clock?: Clock;
  policy?: Partial<AuthPolicy>;
  log?: Logger;
}

export function createAuthFixture(opts: AuthFixtureOptions = {}): AuthFixture {
  const clock = opts.clock ?? systemClock;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvr-auth-'));
  const store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger(), clock });
  const auth = createAuth({ store, clock, policy: { ...testPolicy, ...opts.policy } });
  const audit = new AuditTrail({ repo: store.audit, clock, log: opts.log ?? silentLogger() });
  const tokens = Object.fromEntries(
    roles.map((role) => [role, auth.tokens.create({ name: `test-${role}`, role, createdBy: 'test' }).token]),
  ) as Record<Role, string>;
  return {
    dir, store, auth, audit, tokens,
    deps: { auth, audit, auditLog: audit },
    bearer: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    async addUser(username, role) {
      const password = `pw-${username}-correct-horse`;
      await auth.accounts.create({ username, password, role });
      return password;
    },
    close() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A whole ApiDeps for tests of access control itself: the fixture's real auth and audit,
 * plain stand-ins for the status services, and nothing for the footage services (clips,
 * stills, ...) unless a test passes them: a route that needs one is not what such a test
 * calls.
 */
export function apiDepsWith(fixture: AuthFixture, overrides: Partial<ApiDeps> = {}): ApiDeps {
  const cameras: CameraConfig[] = [{ id: 'gate', name: 'Gate', url: 'rtsp://127.0.0.1:1/x', enabled: false, audio: 'off' }];
  const base: Partial<ApiDeps> = {
    log: silentLogger(),
    clock: systemClock,
    version: '0.0.0-test',
    cameras: () => cameras,
    recorderStatus: () => null,
    recordings: { coverage: () => ({ runs: [], gaps: [] }) },
    health: () => ({ status: 'ok', reasons: [] }),
    ...fixture.deps,
  };
  return { ...base, ...overrides } as ApiDeps;
}
