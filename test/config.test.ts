/** Config loading: defaults, validation with every problem at once, env overrides, no leaks. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigProblem } from '../src/config/load.js';
import { NvrError } from '../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nvr-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(text: string, name = 'nvr.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Loads and expects a ConfigError; returns it for inspection. */
function loadError(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  const file = writeConfig(text);
  try {
    loadConfig({ file, env, cwd: dir });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the config to be rejected');
}

function problemAt(err: ConfigError, path: string): ConfigProblem {
  const found = err.problems.find((p) => p.path === path);
  expect(found, `no problem at ${path}; got ${JSON.stringify(err.problems)}`).toBeDefined();
  return found as ConfigProblem;
}

const oneCamera = `
cameras:
  - id: gate
    url: rtsp://admin:s3cret@10.0.0.5:554/ch1
`;

describe('defaults', () => {
  it('loads the embedded default with dataDir under cwd', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.storage).toEqual({ dataDir: join(dir, 'data'), segmentSeconds: 10 });
    expect(config.demo).toEqual({ enabled: true, rtspPort: 8554 });
    expect(config.log.level).toBe('info');
    expect(config.recorder).toEqual({
      stallTimeoutSeconds: 15,
      rtspTimeoutSeconds: 5,
      restartBackoffInitialMs: 1000,
      restartBackoffMaxMs: 10000,
      maxRestartsPerHour: 60,
      stopTimeoutMs: 10000,
      clockStepToleranceMs: 3000,
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
    });
    expect(config.cameras).toEqual([
      { id: 'demo', name: 'Camera thử nghiệm (demo)', url: 'rtsp://127.0.0.1:8554/demo', enabled: true, audio: 'aac' },
    ]);
  });

  it('fills every omitted key; a relative dataDir is taken from the file folder', () => {
    const config = loadConfig({ file: writeConfig(oneCamera), env: {}, cwd: '/' });
    expect(config.server.port).toBe(8080);
    expect(config.storage.dataDir).toBe(join(dir, 'data'));
    expect(config.demo.enabled).toBe(false); // production files do not start the test camera
    expect(config.cameras[0]).toEqual({ id: 'gate', name: 'gate', url: 'rtsp://admin:s3cret@10.0.0.5:554/ch1', enabled: true, audio: 'aac' });
  });

  it('takes a relative file path from cwd and keeps an absolute dataDir', () => {
    writeConfig('storage: {dataDir: /srv/nvr}\n', 'abs.yaml');
    const config = loadConfig({ file: 'abs.yaml', env: {}, cwd: dir });
    expect(config.storage.dataDir).toBe('/srv/nvr');
    expect(config.cameras).toEqual([]);
  });

  it('accepts an empty file, and sections whose keys are all commented out', () => {
    expect(loadConfig({ file: writeConfig(''), env: {}, cwd: dir }).cameras).toEqual([]);
    const config = loadConfig({ file: writeConfig('server:\n#  port: 1\ncameras:\n'), env: {}, cwd: dir });
    expect(config.server.port).toBe(8080);
    expect(config.cameras).toEqual([]);
  });

  it('loads config/example.yaml', () => {
    const config = loadConfig({ file: resolve('config/example.yaml'), env: {}, cwd: dir });
    expect(config.cameras.map((c) => c.id)).toEqual(['cong-chinh', 'phong-tiep-dan']);
    expect(config.cameras[1]?.audio).toBe('off');
    expect(config.demo.enabled).toBe(false);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.cameras)).toBe(true);
    expect(Object.isFrozen(config.cameras[0])).toBe(true);
    expect(() => { (config.server as { port: number }).port = 1; }).toThrow(TypeError);
  });
});

describe('validation', () => {
  it('rejects unknown keys, naming the path', () => {
    const err = loadError(`server: {hots: 0.0.0.0}\nextra: 1\ncameras:\n  - {id: gate, uri: rtsp://x/, url: rtsp://x/}\n`);
    expect(problemAt(err, 'server.hots').message).toBe('unknown key');
    expect(problemAt(err, 'extra').message).toBe('unknown key');
    expect(problemAt(err, 'cameras[0].uri').message).toBe('unknown key');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err).toBeInstanceOf(NvrError);
  });

  it('rejects a non-RTSP url and shows it redacted', () => {
    const err = loadError(`cameras:\n  - {id: gate, url: "http://admin:s3cret@10.0.0.5/ch1"}\n`);
    const p = problemAt(err, 'cameras[0].url');
    expect(p.message).toContain('http://***@10.0.0.5/ch1');
    expect(p.message).toContain('rtsp://');
  });

  it.each(['Gate', 'cam 1', '-gate', 'a/b', '..', 'x'.repeat(64)])('rejects camera id %j', (id) => {
    const err = loadError(`cameras:\n  - {id: ${JSON.stringify(id)}, url: rtsp://10.0.0.5/}\n`);
    expect(problemAt(err, 'cameras[0].id').message).toContain('is not a valid id');
  });

  it('rejects duplicate camera ids', () => {
    const err = loadError(`cameras:\n  - {id: gate, url: rtsp://a/}\n  - {id: yard, url: rtsp://b/}\n  - {id: gate, url: rtsp://c/}\n`);
    expect(problemAt(err, 'cameras[2].id').message).toBe("'gate' is already used by cameras[0]");
  });

  it.each([
    ['1', 'is out of range: must be between 2 and 600'],
    ['601', 'is out of range: must be between 2 and 600'],
    ['abc', "must be a whole number (got 'abc')"],
    ['2.5', 'must be a whole number (got 2.5)'],
  ])('rejects segmentSeconds %s', (value, expected) => {
    const err = loadError(`storage: {segmentSeconds: ${value}}\n`);
    const p = problemAt(err, 'storage.segmentSeconds');
    expect(p.message).toContain(expected);
    expect(p.message).toContain(value);
  });

  it('rejects a bad audio mode and a missing url', () => {
    const err = loadError(`cameras:\n  - {id: gate, audio: mp3}\n`);
    expect(problemAt(err, 'cameras[0].audio').message).toBe("'mp3' is not one of: aac, copy, off");
    expect(problemAt(err, 'cameras[0].url').message).toBe('is required');
  });

  it('reports every problem at once', () => {
    const err = loadError([
      'server: {port: 70000, hots: x}',
      'storage: {segmentSeconds: 1}',
      'recorder: {restartBackoffInitialMs: 5000, restartBackoffMaxMs: 1000}',
      'log: {level: loud}',
      'cameras:',
      '  - {id: Bad, url: "ftp://u:s3cret@h/"}',
      '  - {id: ok, url: rtsp://h/, enabled: "yes"}',
    ].join('\n'));
    const paths = err.problems.map((p) => p.path).sort();
    expect(paths).toEqual([
      'cameras[0].id', 'cameras[0].url', 'cameras[1].enabled', 'log.level',
      'recorder.restartBackoffMaxMs', 'server.hots', 'server.port', 'storage.segmentSeconds',
    ]);
    expect(err.message).toContain('(and 7 more)');
  });

  it('never echoes a credential, in problems or in the message', () => {
    const err = loadError(`cameras:\n  - {id: "BAD rtsp://admin:s3cret@h/", url: "rtsps:/admin:s3cret@h", name: ""}\n  - id: ok\n    url: [rtsp://admin:s3cret@h/]\n`);
    expect(err.problems.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(err.problems)).not.toContain('s3cret');
    expect(err.message).not.toContain('s3cret');
  });

  it('gives line and column for YAML syntax errors, redacted', () => {
    const err = loadError('server:\n  port: 8080\n  host: [unclosed\ncameras:\n  - url: rtsp://admin:s3cret@h/ : x\n');
    expect(err.problems[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(JSON.stringify(err.problems)).not.toContain('s3cret');
  });

  it('rejects duplicate YAML keys and a top level that is not a mapping', () => {
    expect(loadError('server: {port: 1}\nserver: {port: 2}\n').problems[0]?.path).toMatch(/^line 2/);
    expect(loadError('- a\n- b\n').problems).toEqual([{ path: '(root)', message: expect.stringContaining('mapping') }]);
  });

  it('reports a missing file', () => {
    expect(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} })).toThrow(/cannot read .*nope\.yaml: ENOENT/);
  });
});

describe('environment overrides', () => {
  it('applies NVR_PORT, NVR_HOST, NVR_DATA_DIR (from cwd) and NVR_LOG_LEVEL', () => {
    const env = { NVR_PORT: '9090', NVR_HOST: '127.0.0.1', NVR_DATA_DIR: 'elsewhere', NVR_LOG_LEVEL: 'debug' };
    const config = loadConfig({ file: writeConfig(oneCamera), env, cwd: '/var/tmp' });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(config.storage.dataDir).toBe('/var/tmp/elsewhere');
    expect(config.log.level).toBe('debug');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ env: { NVR_PORT: '' }, cwd: dir }).server.port).toBe(8080);
  });

  it.each([
    ['abc', "must be a whole number (got 'abc') (from NVR_PORT)"],
    ['70000', '70000 is out of range: must be between 0 and 65535 (from NVR_PORT)'],
    ['-1', "(got '-1') (from NVR_PORT)"],
  ])('rejects NVR_PORT=%s, naming the variable', (value, expected) => {
    const err = loadError(oneCamera, { NVR_PORT: value, NVR_LOG_LEVEL: 'loud' });
    expect(problemAt(err, 'server.port').message).toEqual(expected.startsWith('(') ? expect.stringContaining(expected) : expected);
    expect(problemAt(err, 'log.level').message).toContain('(from NVR_LOG_LEVEL)');
  });

  it('reads process.env when no env is given', () => {
    const saved = process.env['NVR_PORT'];
    process.env['NVR_PORT'] = '8181';
    try {
      expect(loadConfig({ cwd: dir }).server.port).toBe(8181);
    } finally {
      if (saved === undefined) delete process.env['NVR_PORT'];
      else process.env['NVR_PORT'] = saved;
    }
  });
});
