/**
 * Config tests that load YAML text through the real loader: a fresh temporary folder per
 * test (registered with vitest's hooks), the text written there as nvr.yaml.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

export interface ConfigLoader {
  /** Load this YAML text as a config file (no environment overrides). */
  (text: string): ReturnType<typeof loadConfig>;
  /** The current test's folder. */
  dir(): string;
}

export function configLoader(prefix: string): ConfigLoader {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), prefix)); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });
  const load = (text: string) => {
    const file = join(dir, 'nvr.yaml');
    writeFileSync(file, text);
    return loadConfig({ file, env: {}, cwd: dir });
  };
  return Object.assign(load, { dir: () => dir });
}

/** The config paths a load names in its ConfigError; fails the test when it loads. */
export function rejectedPaths(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.path);
    throw err;
  }
  throw new Error('the config was accepted');
}
