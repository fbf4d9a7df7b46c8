/**
 * scripts/install.sh and scripts/uninstall.sh, run for real into a temporary root
 * (NVR_INSTALL_ROOT): real useradd (into the root's own passwd), real `npm ci --omit=dev`
 * from the registry, real files and modes, then the installed copy started as a daemon.
 * Not run here: apt-get (NVR_NO_APT=1: it would change this shared machine) and systemctl
 * (NVR_NO_SYSTEMCTL=1: PID 1 is not systemd).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getJson, repoRoot, tempDir, waitFor, writeTestConfig } from './helpers/daemon.js';
import { runtimeAssets } from './helpers/runtime-assets.js';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const root = tempDir('nvr-install-root-');
const hostPasswd = readFileSync('/etc/passwd', 'utf8');

function run(script: string, args: string[] = []): { code: number | null; out: string } {
  const res = spawnSync('bash', [path.join(repoRoot, 'scripts', script), ...args], {
    env: { ...process.env, NVR_INSTALL_ROOT: root, NVR_NO_APT: '1', NVR_NO_SYSTEMCTL: '1', NVR_NODE: process.execPath },
    encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

const at = (p: string) => path.join(root, p);
const mode = (p: string) => (statSync(at(p)).mode & 0o7777).toString(8);
const passwdLine = () => readFileSync(at('etc/passwd'), 'utf8').split('\n').filter((l) => l.startsWith('nvr:'));

describe.runIf(hasShellcheck)('shellcheck', () => {
  it('finds nothing in the install scripts', () => {
    const res = spawnSync('shellcheck', ['scripts/install.sh', 'scripts/uninstall.sh'], { cwd: repoRoot, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});

describe('install.sh into a temporary root', () => {
  let first: { code: number | null; out: string };
  beforeAll(() => {
    mkdirSync(at('etc'), { recursive: true });
    for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) copyFileSync(`/etc/${f}`, at(`etc/${f}`));
    first = run('install.sh');
  }, 600_000);
  afterAll(() => { expect(readFileSync('/etc/passwd', 'utf8')).toBe(hostPasswd); });

  it('installs the app, the user, the config, the data dir and the unit', () => {
    expect(first.code, first.out).toBe(0);
    expect(passwdLine()).toEqual([expect.stringMatching(/^nvr:x:\d+:\d+:Commune NVR:\/var\/lib\/nvr:\/usr\/sbin\/nologin$/)]);
    const [, , uid, gid] = passwdLine()[0]!.split(':').map(Number);
    for (const f of ['opt/nvr/bin/nvr.js', 'opt/nvr/dist/cli/main.js', 'opt/nvr/dist/build-info.json', 'opt/nvr/config/default.yaml', 'opt/nvr/node_modules/prom-client/package.json']) {
      expect(existsSync(at(f)), f).toBe(true);
    }
    // Production dependencies only, and root-owned: the daemon cannot rewrite its code.
    expect(existsSync(at('opt/nvr/node_modules/vitest'))).toBe(false);
    expect(existsSync(at('opt/nvr/node_modules/typescript'))).toBe(false);
    expect(statSync(at('opt/nvr/dist/daemon.js')).uid).toBe(0);
    expect(mode('opt/nvr/dist/daemon.js')).toBe('644');
    // Config: root:nvr 0640 (camera passwords), data dir where the unit may write.
    expect(mode('etc/nvr/config.yaml')).toBe('640');
    expect([statSync(at('etc/nvr/config.yaml')).uid, statSync(at('etc/nvr/config.yaml')).gid]).toEqual([0, gid]);
    const config = readFileSync(at('etc/nvr/config.yaml'), 'utf8');
    expect(config).toMatch(/^ {2}dataDir: \/var\/lib\/nvr$/m);
    // The example's sample cameras are written disabled: a fresh box contacts nobody.
    expect(config).toMatch(/^ {4}enabled: false$/m);
    expect(config).not.toMatch(/^ {4}enabled: true$/m);
    expect(mode('var/lib/nvr')).toBe('750');
    expect([statSync(at('var/lib/nvr')).uid, statSync(at('var/lib/nvr')).gid]).toEqual([uid, gid]);
    expect(readFileSync(at('etc/systemd/system/nvr.service'), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'systemd/nvr.service'), 'utf8'));
    expect(first.out).toMatch(/Web and API: +http:\/\/\S+:8080\//);
    expect(first.out).toContain(`password in ${at('var/lib/nvr/initial-admin-password')}`);
    expect(first.out).toContain('systemctl: skipped (NVR_NO_SYSTEMCTL=1)');
  });

  it('ships every file the daemon reads outside dist/ (the demo camera excepted: no GStreamer on a box)', () => {
    const assets = runtimeAssets().filter((a) => a !== 'scripts/test-camera.py');
    expect(assets).toContain('config/default.yaml');
    for (const asset of assets) {
      if (asset === 'web/dist' && !existsSync(path.join(repoRoot, asset))) continue; // not built in this checkout: install.sh warns
      expect(existsSync(at(path.join('opt/nvr', asset))), asset).toBe(true);
    }
  });

  it('is idempotent: a second run keeps the edited config, the user and node_modules', () => {
    appendFileSync(at('etc/nvr/config.yaml'), '# edited by the administrator\n');
    const edited = readFileSync(at('etc/nvr/config.yaml'), 'utf8');
    const again = run('install.sh');
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('user nvr exists');
    expect(again.out).toContain('node_modules up to date');
    expect(again.out).toContain('keeping');
    expect(readFileSync(at('etc/nvr/config.yaml'), 'utf8')).toBe(edited);
    expect(passwdLine()).toHaveLength(1);
  }, 600_000);

  it('refuses to go on with an invalid config, naming the problem', () => {
    const good = readFileSync(at('etc/nvr/config.yaml'), 'utf8');
    writeFileSync(at('etc/nvr/config.yaml'), good.replace(/^ {2}port: \d+$/m, '  port: 99999'));
    try {
      const bad = run('install.sh');
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/server\.port/);
      expect(bad.out).toMatch(/is not valid/);
    } finally {
      writeFileSync(at('etc/nvr/config.yaml'), good);
    }
  }, 600_000);

  it('the installed copy runs as a daemon with its production dependencies only', async () => {
    const cfg = writeTestConfig({ cameras: [] });
    const child = spawn(process.execPath, [at('opt/nvr/bin/nvr.js'), 'serve', '--config', cfg.file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const url = await waitFor('the installed daemon to listen', () => /"url":"(http:[^"]+)"/.exec(out)?.[1], 30_000);
    const health = await getJson<{ status: string; version: string }>(`${url}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(health.body.version).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('uninstall.sh keeps config and recordings; --purge removes them and the user', () => {
    mkdirSync(at('var/lib/nvr/recordings/gate'), { recursive: true });
    writeFileSync(at('var/lib/nvr/recordings/gate/evidence.mp4'), 'x');
    const plain = run('uninstall.sh');
    expect(plain.code, plain.out).toBe(0);
    expect(existsSync(at('opt/nvr'))).toBe(false);
    expect(existsSync(at('etc/systemd/system/nvr.service'))).toBe(false);
    expect(existsSync(at('etc/nvr/config.yaml'))).toBe(true);
    expect(existsSync(at('var/lib/nvr/recordings/gate/evidence.mp4'))).toBe(true);
    expect(passwdLine()).toHaveLength(1);

    const purge = run('uninstall.sh', ['--purge']);
    expect(purge.code, purge.out).toBe(0);
    expect(existsSync(at('etc/nvr'))).toBe(false);
    expect(existsSync(at('var/lib/nvr'))).toBe(false);
    expect(passwdLine()).toHaveLength(0);
    expect(execFileSync('bash', ['-c', `grep -c '^nvr:' ${at('etc/group')} || true`], { encoding: 'utf8' }).trim()).toBe('0');
  });
});
