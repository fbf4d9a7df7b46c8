/** Config: exports.keepDays (how long a finished evidence package stays on disk). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { configLoader, rejectedPaths } from './helpers/config-file.js';

const load = configLoader('nvr-config-exports-');

describe('exports.keepDays', () => {
  it('defaults to 7 days, next to the other export keys', () => {
    expect(load('').exports).toEqual({ maxRangeSeconds: 86_400, maxBytesPerSecond: 0, keepDays: 7 });
  });

  it('accepts 0 (keep until deleted by hand) up to 3650', () => {
    expect(load('exports: {keepDays: 0}\n').exports.keepDays).toBe(0);
    expect(load('exports: {keepDays: 3650}\n').exports.keepDays).toBe(3650);
  });

  it('is spelled out, with its comment, in config/example.yaml', () => {
    const text = readFileSync(resolve('config/example.yaml'), 'utf8');
    expect(text).toMatch(/^exports:\n(?:  #.*\n)+  keepDays: 7\n/m);
    expect(loadConfig({ file: resolve('config/example.yaml'), env: {}, cwd: load.dir() }).exports.keepDays).toBe(7);
  });

  it.each(['3651', '-1', '1.5', 'forever'])('rejects %s, naming the key', (value) => {
    expect(rejectedPaths(() => load(`exports: {keepDays: ${value}}
`))).toContain('exports.keepDays');
  });
});
