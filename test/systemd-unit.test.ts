/**
 * systemd/nvr.service: `systemd-analyze verify` passes with no warning at all (it exits 0
 * even for unknown keys, so its output is checked too), `systemd-analyze security` rates
 * the hardening, and the settings the daemon relies on are there. Runs where
 * systemd-analyze exists (package systemd; PID 1 need not be systemd).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { repoRoot, tempDir } from './helpers/daemon.js';

const unitPath = path.join(repoRoot, 'systemd/nvr.service');
const unitText = readFileSync(unitPath, 'utf8');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** Key → values of one section (a key may repeat). */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) { current = line; continue; }
    if (current !== `[${name}]` || line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    out.set(line.slice(0, i), [...(out.get(line.slice(0, i)) ?? []), line.slice(i + 1)]);
  }
  return out;
}

/**
 * verify checks that ExecStart's binary exists. On a machine whose node is not
 * /usr/bin/node (CI with a tool-cache node) a copy pointing at this node is verified.
 */
function unitToVerify(): string {
  if (existsSync('/usr/bin/node')) return unitPath;
  const copy = path.join(tempDir('nvr-unit-'), 'nvr.service');
  writeFileSync(copy, unitText.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  return copy;
}

describe.runIf(hasAnalyze)('systemd-analyze', () => {
  it('verify passes without a single warning', () => {
    const res = spawnSync('systemd-analyze', ['verify', unitToVerify()], { encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('verify would catch a mistake (the check itself works)', () => {
    const broken = path.join(tempDir('nvr-unit-'), 'nvr.service');
    writeFileSync(broken, readFileSync(unitToVerify(), 'utf8').replace('Type=notify', 'Type=notifyy'));
    const res = spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' });
    expect(res.stdout + res.stderr).toMatch(/Failed to parse service type/);
  });

  it('rates the hardening OK (exposure at most 2.0 of 10)', () => {
    const res = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitToVerify()], { encoding: 'utf8' });
    const score = Number(/Overall exposure level for nvr\.service: ([\d.]+)/.exec(res.stdout)?.[1]);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(2.0);
  });
});

describe('the unit', () => {
  const service = section('Service');
  const value = (key: string) => service.get(key)?.join(' ');

  it('is a notify service with a watchdog, restarted always, stopped by the daemon itself', () => {
    expect(value('Type')).toBe('notify');
    expect(value('NotifyAccess')).toBe('all'); // systemd-notify children send the messages
    expect(Number(value('WatchdogSec'))).toBe(30);
    expect(value('Restart')).toBe('always');
    expect(value('KillMode')).toBe('mixed');
    expect(section('Unit').get('StartLimitIntervalSec')).toEqual(['0']);
    expect(value('ExecStart')).toBe('/usr/bin/node /opt/nvr/bin/nvr.js serve --config /etc/nvr/config.yaml');
    expect(value('Environment')).toBe('TZ=UTC NODE_ENV=production');
  });

  it('gives ffmpeg time to close its segments before the stop timeout', () => {
    const example = loadConfig({ file: path.join(repoRoot, 'config/example.yaml'), env: {} });
    const stopSeconds = Number(value('TimeoutStopSec'));
    // ffmpeg's grace, then indexing and closing the database, with a margin.
    expect(stopSeconds * 1000).toBeGreaterThanOrEqual(example.recorder.stopTimeoutMs * 2 + 10_000);
  });

  it('is hardened: own user, read-only system except the data dir, no capabilities, hidden processes', () => {
    expect(value('User')).toBe('nvr');
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('ReadWritePaths')).toBe('/var/lib/nvr');
    expect(value('StateDirectory')).toBe('nvr');
    for (const key of ['ProtectHome', 'NoNewPrivileges', 'PrivateTmp', 'PrivateDevices']) expect(value(key), key).toBe('yes');
    expect(value('ProtectProc')).toBe('invisible');
    expect(service.get('CapabilityBoundingSet')).toEqual(['']);
    // Multicast ONVIF discovery is UDP over AF_INET: allowed; nothing exotic is.
    expect(value('RestrictAddressFamilies')).toBe('AF_UNIX AF_INET AF_INET6 AF_NETLINK');
    // V8 needs writable+executable memory for its JIT.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });
});
