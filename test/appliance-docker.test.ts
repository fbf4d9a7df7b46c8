/**
 * The Dockerfile without a Docker engine (there is none on this machine): every file it
 * copies exists and is not excluded by .dockerignore, every path it copies from the build
 * stage is one that stage produces, its entry point is the file the systemd unit and
 * install.sh run, its environment and volume match them, and its HEALTHCHECK command,
 * run for real against a real daemon, passes when the box is up and fails when it is
 * critical or not answering.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../src/core/logger.js';
import { loadConfig } from '../src/config/load.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { repoRoot, writeTestConfig } from './helpers/daemon.js';
import { runtimeAssets } from './helpers/runtime-assets.js';
import { freePort } from './helpers/ports.js';

interface Instruction { stage: number; op: string; args: string }

function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  let stage = -1;
  return joined.map((line) => {
    const [op = '', ...rest] = line.split(/\s+/);
    if (op.toUpperCase() === 'FROM') stage += 1;
    return { stage, op: op.toUpperCase(), args: rest.join(' ') };
  });
}

const dockerfile = parseDockerfile(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const unit = readFileSync(path.join(repoRoot, 'systemd/nvr.service'), 'utf8');
const install = readFileSync(path.join(repoRoot, 'scripts/install.sh'), 'utf8');
const copies = dockerfile.filter((i) => i.op === 'COPY').map((i) => {
  const words = i.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  return { stage: i.stage, from: flags.find((f) => f.startsWith('--from='))?.slice(7) ?? null, sources: paths.slice(0, -1), dest: paths.at(-1)! };
});
const one = (op: string, stage = 1) => dockerfile.find((i) => i.op === op && i.stage === stage)?.args ?? '';

describe('Dockerfile', () => {
  it('is two stages on the Debian 12 Node 20 base install.sh targets', () => {
    expect(dockerfile.filter((i) => i.op === 'FROM').map((i) => i.args)).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim']);
  });

  it('copies from the build context only files that exist and are not ignored', () => {
    const fromContext = copies.filter((c) => c.from === null).flatMap((c) => c.sources);
    expect(fromContext.length).toBeGreaterThan(5);
    for (const src of fromContext) {
      expect(existsSync(path.join(repoRoot, src)), `${src} exists`).toBe(true);
      const top = src.split('/')[0]!;
      expect(ignored.filter((p) => p === src || p === top), `${src} is not in .dockerignore`).toEqual([]);
    }
  });

  it('copies from the build stage only what that stage copied in or builds', () => {
    const buildInputs = copies.filter((c) => c.stage === 0).flatMap((c) => (c.sources.length === 1 && c.dest !== './' ? [c.dest.replace(/\/$/, '')] : c.sources));
    // What the build stage's RUN produces: tsc's outDir, npm's tree, Vite's outDir.
    const tscOut = (JSON.parse(readFileSync(path.join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    expect(readFileSync(path.join(repoRoot, 'web/vite.config.ts'), 'utf8')).toMatch(/outDir: 'dist'/);
    const produced = new Set([...buildInputs, tscOut, 'node_modules', 'web/dist']);
    expect(dockerfile.filter((i) => i.op === 'RUN' && i.stage === 0).map((i) => i.args).join('\n')).toMatch(/npm ci .*vite build --config web\/vite\.config\.ts.*npm prune --omit=dev/);
    for (const c of copies.filter((x) => x.from === 'build')) {
      for (const src of c.sources) expect(produced, `${src} is produced by the build stage`).toContain(src.replace(/^\/src\//, ''));
    }
  });

  it('runs the same entry point, config, data dir and environment as the systemd unit and install.sh', () => {
    const entry = JSON.parse(one('ENTRYPOINT')) as string[];
    const cmd = JSON.parse(one('CMD')) as string[];
    expect(entry).toEqual(['/usr/bin/tini', '--', 'node', '/opt/nvr/bin/nvr.js']);
    expect(one('WORKDIR')).toBe('/opt/nvr');
    expect(copies).toContainEqual({ stage: 1, from: null, sources: ['bin'], dest: 'bin' });
    // bin/nvr.js loads ../dist/cli/main.js: dist is copied next to it.
    expect(readFileSync(path.join(repoRoot, 'bin/nvr.js'), 'utf8')).toContain("'../dist/cli/main.js'");
    expect(copies).toContainEqual({ stage: 1, from: 'build', sources: ['/src/dist'], dest: 'dist' });
    const execStart = /^ExecStart=\/usr\/bin\/node (\S+) (.*)$/m.exec(unit)!;
    expect(execStart[1]).toBe(entry[3]);
    expect(execStart[2]).toBe(cmd.join(' '));
    expect(install).toContain('APP=$ROOT/opt/nvr');
    expect(install).toContain('DATA=$ROOT/var/lib/nvr');
    expect(one('VOLUME')).toBe('/var/lib/nvr');
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/nvr$/m);
    expect(one('USER')).toBe('nvr');
    expect(unit).toMatch(/^User=nvr$/m);
    expect(one('ENV')).toContain('NODE_ENV=production TZ=UTC');
    expect(unit).toMatch(/^Environment=TZ=UTC NODE_ENV=production$/m);
    expect(one('ENV')).toContain('NVR_DATA_DIR=/var/lib/nvr');
  });

  it('ships every file the daemon reads outside dist/ (the demo camera excepted)', () => {
    const shipped = copies.filter((c) => c.stage === 1 && !c.dest.startsWith('/')).map((c) => c.dest.replace(/^\.\/$/, ''));
    // `COPY a b ./` puts each source at its own name.
    const names = copies.filter((c) => c.stage === 1 && c.dest === './').flatMap((c) => c.sources.map((src) => path.basename(src)));
    for (const asset of runtimeAssets().filter((a) => a !== 'scripts/test-camera.py')) {
      const covered = [...shipped, ...names].some((d) => d !== '' && (asset === d || asset.startsWith(`${d}/`)));
      expect(covered, `${asset} is copied into /opt/nvr`).toBe(true);
    }
  });

  it('starts from a config the daemon accepts, with the data dir of the image', () => {
    const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/nvr.js'), 'check-config', path.join(repoRoot, 'config/example.yaml')], {
      env: { ...process.env, NVR_DATA_DIR: '/var/lib/nvr' }, encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^ok: \d+ cameras, dataDir \/var\/lib\/nvr$/m);
    expect(res.status).toBe(0);
  });
});

describe('the HEALTHCHECK command, run against a real daemon', () => {
  const health = JSON.parse(/CMD (\[.*\])$/.exec(one('HEALTHCHECK'))![1]!) as string[];
  let daemon: Daemon | null = null;
  afterEach(async () => { await daemon?.close(); daemon = null; });

  // Asynchronous: the daemon answering it runs in this process.
  const runCheck = (port: number) => new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, health.slice(1), { env: { ...process.env, NVR_PORT: String(port) }, stdio: 'ignore', timeout: 10_000 });
    child.on('close', (code) => resolve(code));
  });
  const start = async (floorMs?: number) => {
    const cfg = writeTestConfig({ cameras: [], port: await freePort() });
    const config = loadConfig({ file: cfg.file, env: {} });
    daemon = await startDaemon(config, { log: silentLogger(), system: { processMetrics: false, ...(floorMs ? { floorMs } : {}) } });
    return config.server.port;
  };

  it('asks the public health route of the API', () => {
    expect(health[0]).toBe('node');
    expect(health[2]).toContain('/api/v1/health');
    expect(readFileSync(path.join(repoRoot, 'src/api/routes/health.ts'), 'utf8')).toMatch(/app\.get\('\/api\/v1\/health', \{ config: \{ access: 'public' \}/);
  });

  it('passes while the daemon answers and is not critical', async () => {
    expect(await runCheck(await start())).toBe(0);
  });

  it('fails when the daemon is critical (clock before the build: nothing records)', async () => {
    const port = await start(Date.now() + 365 * 86_400_000);
    expect(daemon!.appliance.health().status).toBe('critical');
    expect(await runCheck(port)).toBe(1);
  });

  it('fails when nothing answers', async () => {
    expect(await runCheck(await freePort())).toBe(1);
  });
});
