/**
 * Tokens and the first admin with real processes: `node bin/nvr.js token create` spawned
 * (its last line is the token, printed once), the token used as a bearer against a real
 * daemon (`nvr serve`) whose role checks it, a second token created while the daemon
 * runs, the initial admin's password file (0600, never in the log), a login with it,
 * and `nvr audit verify` over what all of them wrote. Needs a clean build (dist/).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnDaemon, tempDir, type DaemonProcess } from './helpers/daemon.js';

const run = promisify(execFile);

async function nvr(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(repoRoot, 'bin/nvr.js'), ...args], { cwd: repoRoot });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

describe('nvr token create and the first admin, as real processes', () => {
  let dataDir: string;
  let config: string;
  let daemon: DaemonProcess | null = null;

  beforeAll(async () => {
    // The spawned commands run dist/: build it (fails the suite if the tree does not compile).
    await run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot });
    dataDir = tempDir('nvr-token-');
    config = path.join(dataDir, 'config.yaml');
    fs.writeFileSync(config, `server: {host: 127.0.0.1, port: 0}\nstorage: {dataDir: ${JSON.stringify(dataDir)}}\nlog: {level: info}\n`);
  }, 180_000);

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let investigatorToken = '';

  it('prints the token alone on the last line, once, before the daemon ever ran', async () => {
    const res = await nvr(['token', 'create', '--name', 'ci-export', '--role', 'investigator', '--config', config]);
    expect(res.code, res.stderr).toBe(0);
    investigatorToken = lastLine(res.stdout);
    expect(investigatorToken).toMatch(/^nvr_[A-Za-z0-9_-]{43}$/);
    expect(res.stdout.split(investigatorToken)).toHaveLength(2); // exactly once
    expect(res.stdout.split('\n')[0]).toContain("created API token 'ci-export' (id 1, role investigator)");
    expect(res.stderr).not.toContain(investigatorToken);
    const again = await nvr(['token', 'create', '--name', 'ci-export', '--role', 'viewer', '--config', config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("a live token is already named 'ci-export'");
    expect(again.stdout).not.toMatch(/nvr_/);
  });

  it('refuses a bad role or name with the value named, and a missing option with usage', async () => {
    const badRole = await nvr(['token', 'create', '--name', 'x', '--role', 'superuser', '--config', config]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain("role 'superuser' is not a role: use viewer, investigator, admin");
    const badName = await nvr(['token', 'create', '--name', '../etc', '--role', 'viewer', '--config', config]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain("name '../etc' is not valid");
    expect((await nvr(['token', 'create', '--role', 'viewer', '--config', config])).code).toBe(64);
    expect((await nvr(['token', 'list', '--config', config])).code).toBe(64);
  });

  it('the token works as a bearer against the real daemon, with its role enforced', async () => {
    daemon = spawnDaemon(config);
    const base = await daemon.url();
    const auth = { authorization: `Bearer ${investigatorToken}` };
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: auth });
    expect(await me.json()).toEqual({ id: 'token:1', name: 'token:ci-export', role: 'investigator', via: 'token' });
    expect((await fetch(`${base}/api/v1/cameras`, { headers: auth })).status).toBe(200);
    const users = await fetch(`${base}/api/v1/users`, { headers: auth });
    expect(users.status).toBe(403);
    expect(await users.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining("'admin'") });
    expect((await fetch(`${base}/api/v1/cameras`)).status).toBe(401);

    // A token made while the daemon runs (a second writer on the same SQLite file).
    const admin = await nvr(['token', 'create', '--name', 'ops', '--role', 'admin', '--config', config]);
    expect(admin.code, admin.stderr).toBe(0);
    const adminAuth = { authorization: `Bearer ${lastLine(admin.stdout)}` };
    const list = await fetch(`${base}/api/v1/tokens`, { headers: adminAuth });
    expect(((await list.json()) as { tokens: { name: string }[] }).tokens.map((t) => t.name)).toEqual(['ci-export', 'ops']);
    expect(daemon.output()).not.toContain(investigatorToken);
    expect(daemon.output()).not.toContain(lastLine(admin.stdout));
  });

  it('created admin with a 0600 password file, announced once without the password; it logs in', async () => {
    const file = path.join(dataDir, 'initial-admin-password');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(file, 'utf8').trim();
    const log = daemon!.output();
    expect(log.split('\n').filter((line) => line.includes('initial-admin-password'))).toHaveLength(1);
    expect(log).not.toContain(password);
    const base = await daemon!.url();
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const users = await fetch(`${base}/api/v1/users`, { headers: { cookie } });
    expect(((await users.json()) as { users: { username: string; role: string }[] }).users).toEqual([expect.objectContaining({ username: 'admin', role: 'admin' })]);
  });

  it('nvr audit verify finds the entries of the command line and the daemon chained (exit 0)', async () => {
    const res = await nvr(['audit', 'verify', '--config', config]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    // token.create (cli), user.create (first admin), access denied (/users), token.create (cli), login.
    expect(res.stdout).toMatch(/^audit trail intact: 5 entries; head [0-9a-f]{64}$/m);
  });
});
