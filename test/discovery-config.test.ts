/**
 * The config keys of discovery and onboarding, through the real loader: defaults, a
 * config-file camera's `onvif` block, and bad values named by path. Plus the live
 * watcher's handling of an invalid edit: reported with passwords hidden, nothing applied.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigWatcher } from '../src/cameras/config-watcher.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import type { CameraConfig } from '../src/config/types.js';
import { createLogger } from '../src/core/logger.js';

const dirs: string[] = [];
function file(yaml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nvr-disc-cfg-'));
  dirs.push(dir);
  const f = path.join(dir, 'config.yaml');
  writeFileSync(f, yaml);
  return f;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function problems(yaml: string): string[] {
  try {
    loadConfig({ file: file(yaml) });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`).sort();
    throw err;
  }
  return [];
}

describe('discovery settings and camera onvif blocks', () => {
  it('defaults: 3 rounds 700 ms apart, 2 s listen, every interface, 10 s stream probe', () => {
    expect(loadConfig({ file: file('cameras: []\n') }).discovery).toEqual({
      probeRounds: 3, probeIntervalMs: 700, listenMs: 2000, includeLoopback: false, interfaces: [], requestTimeoutMs: 5000, streamProbeSeconds: 10,
    });
  });

  it('a camera may name its ONVIF service; the port defaults to 80', () => {
    const c = loadConfig({ file: file('cameras:\n  - id: gate\n    url: rtsp://10.0.0.5/ch1\n    onvif: { host: 10.0.0.5, username: admin, password: "123456" }\n') });
    expect(c.cameras[0]!.onvif).toEqual({ host: '10.0.0.5', port: 80, username: 'admin', password: '123456' });
  });

  it('bad values are named by path', () => {
    expect(problems('discovery:\n  probeRounds: 0\n  interfaces: ["eth 0"]\ncameras:\n  - id: gate\n    url: rtsp://h/x\n    onvif: { host: "http://10.0.0.5/onvif", port: 70000 }\n')).toEqual([
      "cameras[0].onvif.host: 'http://10.0.0.5/onvif' must be an address or host name (no scheme, path or user)",
      'cameras[0].onvif.port: 70000 is out of range: must be between 1 and 65535',
      "discovery.interfaces[0]: 'eth 0' must be an interface name (eth0, wlan0) without spaces",
      'discovery.probeRounds: 0 is out of range: must be between 1 and 10',
    ].sort());
  });
});

describe('the live watcher and an invalid edit', () => {
  it('logs the problems with passwords hidden and applies nothing', () => {
    const good = 'cameras:\n  - id: gate\n    url: rtsp://10.0.0.5/ch1\n';
    const f = file(good);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done(); } }) });
    const applied: (readonly CameraConfig[])[] = [];
    const watcher = new ConfigWatcher({ file: f, load: () => loadConfig({ file: f }), initial: loadConfig({ file: f }), onCameras: (c) => applied.push(c), log });
    writeFileSync(f, 'cameras:\n  - id: gate\n    url: rtsp://10.0.0.5/ch1\n    onvif: { host: h, password: 987654 }\n');
    watcher.reload();
    expect(applied).toEqual([]);
    const logged = lines.join('');
    expect(logged).toContain('config file is invalid');
    expect(logged).toContain('cameras[0].onvif.password');
    expect(logged).not.toContain('987654');
    writeFileSync(f, `${good}  - id: yard\n    url: rtsp://10.0.0.6/ch1\n`);
    watcher.reload();
    expect(applied.map((list) => list.map((c) => c.id))).toEqual([['gate', 'yard']]);
  });
});
