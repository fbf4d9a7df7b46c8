/**
 * The CLI, in-process through main() (fast, always runs) and as the real `node bin/nvr.js`
 * against dist/ (after a clean `tsc -p tsconfig.build.json`, which must succeed).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/cli/main.js';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nvr-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

/** A config whose dataDir is `<dir>/data`, so tests can assert nothing was created. */
function writeConfig(name: string, extra = ''): string {
  const file = join(dir, name);
  writeFileSync(file, `storage: {dataDir: ./data}\ncameras:\n  - {id: gate, url: "rtsp://admin:s3cret@10.0.0.5/ch1"}\n${extra}`);
  return file;
}
const badExtra = 'server: {hots: 0.0.0.0, port: 99999}\n';

describe('main() in-process', () => {
  it('check-config: valid file → 0 and a one-line summary', async () => {
    const io = capture();
    expect(await main(['check-config', writeConfig('ok.yaml')], io)).toBe(0);
    expect(io.stdout).toEqual([`ok: 1 cameras, dataDir ${join(dir, 'data')}`]);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('check-config: invalid file → 2, every problem on its own line, nothing created', async () => {
    const io = capture();
    expect(await main(['check-config', writeConfig('bad.yaml', badExtra)], io)).toBe(2);
    expect(io.stderr).toContain('server.hots: unknown key');
    expect(io.stderr).toContain('server.port: 99999 is out of range: must be between 0 and 65535');
    expect(io.stderr.join('\n')).not.toContain('s3cret');
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('check-config without a file checks the embedded default', async () => {
    const io = capture();
    expect(await main(['check-config'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^ok: 1 cameras, dataDir \//);
  });

  it('serve with an invalid config → 2 before touching the disk', async () => {
    const io = capture();
    expect(await main(['serve', '--config', writeConfig('bad.yaml', badExtra)], io)).toBe(2);
    expect(io.stderr).toContain('server.hots: unknown key');
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('help → 0 with usage listing the commands', async () => {
    for (const arg of ['help', '--help', '-h']) {
      const io = capture();
      expect(await main([arg], io)).toBe(0);
      expect(io.stdout.join('\n')).toMatch(/serve \[--config FILE\][\s\S]*check-config \[FILE\]/);
    }
  });

  it.each([
    [['frobnicate']],
    [[]],
    [['serve', '--bogus']],
    [['serve', 'extra-positional']],
    [['check-config', 'a.yaml', 'b.yaml']],
  ])('bad command line %j → 64 with usage', async (argv) => {
    const io = capture();
    expect(await main(argv, io)).toBe(64);
    expect(io.stderr.join('\n')).toContain('usage:');
  });
});

/**
 * The real binary. bin/nvr.js runs dist/, so the project must build: a build that fails
 * fails these tests (with the compiler's first error), it never skips them.
 */
describe('node bin/nvr.js (spawned)', () => {
  beforeAll(async () => {
    try {
      await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repo });
    } catch (err) {
      const out = String((err as { stdout?: string }).stdout ?? err).split('\n')[0];
      throw new Error(`tsc -p tsconfig.build.json failed: ${out}`);
    }
  }, 180_000);

  async function nvr(args: string[]) {
    try {
      const r = await run(process.execPath, [join(repo, 'bin/nvr.js'), ...args], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('check-config bad.yaml → exit 2, names the key, creates nothing', async () => {
    writeConfig('bad.yaml', badExtra);
    const r = await nvr(['check-config', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.hots: unknown key');
    expect(r.stdout + r.stderr).not.toContain('s3cret');
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('check-config ok.yaml → exit 0', async () => {
    writeConfig('ok.yaml');
    const r = await nvr(['check-config', 'ok.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`ok: 1 cameras, dataDir ${join(dir, 'data')}`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('serve --config bad.yaml → exit 2, creates nothing', async () => {
    writeConfig('bad.yaml', badExtra);
    const r = await nvr(['serve', '--config', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(readdirSync(dir)).toEqual(['bad.yaml']);
  });

  it('unknown command → exit 64', async () => {
    expect((await nvr(['frobnicate'])).code).toBe(64);
  });
});
