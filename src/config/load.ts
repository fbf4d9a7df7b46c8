/**
 * The only module that reads configuration files and process.env. It reads once, fills
 * defaults, validates once, reports every problem at the same time (an installer fixing
 * a file on a remote box should not play whack-a-mole), then freezes the result.
 * No other I/O: it does not create the data directory, that is the daemon's job.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { Value } from 'typebox/value';
import { NvrError } from '../core/errors.js';
import { ConfigSchema, type ConfigInput } from './schema.js';
import { describeSchemaError, maskSecrets, showValue, type RawError } from './messages.js';
import type { CameraConfig, Config } from './types.js';

export interface ConfigProblem {
  /** Where: `cameras[1].url`, `storage.segmentSeconds`, `line 3, column 7`, `(file)`. */
  readonly path: string;
  /** What is wrong, naming the bad value (credentials redacted). */
  readonly message: string;
}

export class ConfigError extends NvrError {
  constructor(readonly source: string, readonly problems: readonly ConfigProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('CONFIG_INVALID', `configuration ${source} is invalid: ${first ? `${first.path}: ${first.message}` : 'unknown problem'}${more}`, { problems });
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** A YAML file; relative paths are taken from `cwd`. Without it: config/default.yaml. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** src/config and dist/config are both two levels below the repo root. */
const embeddedDefault = new URL('../../config/default.yaml', import.meta.url);

/** Env overrides, for systemd units and containers; validated like the file. */
const envOverrides = [
  { name: 'NVR_DATA_DIR', section: 'storage', key: 'dataDir', integer: false },
  { name: 'NVR_PORT', section: 'server', key: 'port', integer: true },
  { name: 'NVR_HOST', section: 'server', key: 'host', integer: false },
  { name: 'NVR_LOG_LEVEL', section: 'log', key: 'level', integer: false },
] as const;

type RawObject = Record<string, unknown>;

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const filePath = options.file === undefined ? fileURLToPath(embeddedDefault) : resolve(cwd, options.file);
  const source = options.file === undefined ? `(embedded default ${filePath})` : filePath;

  const raw = parseYaml(source, readSource(source, filePath));
  const fromEnv = applyEnv(raw, env);
  const withDefaults = Value.Default(ConfigSchema, raw) as RawObject;
  const problems = validate(withDefaults, fromEnv);
  if (problems.length > 0) throw new ConfigError(source, problems);

  // A relative dataDir from the env is meant from where the command runs; from a file,
  // from the file's folder (so `/etc/nvr/nvr.yaml` with `./data` is /etc/nvr/data).
  const base = fromEnv.has('storage.dataDir') || options.file === undefined ? cwd : dirname(filePath);
  return deepFreeze(finish(withDefaults as ConfigInput, base));
}

function readSource(source: string, filePath: string): string {
  try {
    return readFileSync(filePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new ConfigError(source, [{ path: '(file)', message: `cannot read ${filePath}: ${code}` }]);
  }
}

function parseYaml(source: string, text: string): RawObject {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      // The pretty message repeats the position and quotes the source line: keep line 1.
      const message = maskSecrets((e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ''));
      return { path: pos ? `line ${pos.line}, column ${pos.col}` : '(yaml)', message };
    });
    throw new ConfigError(source, problems);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(source, [{ path: '(root)', message: 'must be a mapping of sections (server, storage, cameras, ...)' }]);
  }
  // A section whose keys are all commented out (`server:` alone) is null in YAML:
  // treat it as left out, so its defaults apply.
  const root = value as RawObject;
  for (const key of Object.keys(root)) if (root[key] === null) delete root[key];
  return root;
}

/** Writes env values into the raw tree; returns which dotted paths came from which var. */
function applyEnv(raw: RawObject, env: NodeJS.ProcessEnv): Map<string, string> {
  const used = new Map<string, string>();
  for (const o of envOverrides) {
    const text = env[o.name];
    // Empty means unset: systemd's `Environment=NVR_PORT=` is how one clears a value.
    if (text === undefined || text === '') continue;
    const current = raw[o.section];
    if (current !== undefined && (current === null || typeof current !== 'object' || Array.isArray(current))) continue;
    const target = (current ?? {}) as RawObject;
    raw[o.section] = target;
    // Keep a non-numeric port as text so the schema reports it with its value.
    target[o.key] = o.integer && /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : text;
    used.set(`${o.section}.${o.key}`, o.name);
  }
  return used;
}

function validate(value: RawObject, fromEnv: Map<string, string>): ConfigProblem[] {
  const errors = [...Value.Errors(ConfigSchema, value)] as RawError[];
  const problems = errors.flatMap((e) => describeSchemaError(ConfigSchema, value, e));
  problems.push(...crossChecks(value));
  const seen = new Set<string>();
  return problems
    .map((p) => {
      const envName = fromEnv.get(p.path);
      return envName ? { path: p.path, message: `${p.message} (from ${envName})` } : p;
    })
    .filter((p) => {
      const key = `${p.path}\n${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Rules a JSON Schema cannot say; each runs only on values of the right type. */
function crossChecks(value: RawObject): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const cameras = Array.isArray(value['cameras']) ? (value['cameras'] as unknown[]) : [];
  const firstIndex = new Map<string, number>();
  cameras.forEach((cam, i) => {
    const id = (cam as RawObject | null)?.['id'];
    if (typeof id !== 'string') return;
    const earlier = firstIndex.get(id);
    if (earlier === undefined) firstIndex.set(id, i);
    else problems.push({ path: `cameras[${i}].id`, message: `${showValue(id)} is already used by cameras[${earlier}]` });
  });
  const rec = value['recorder'] as RawObject | undefined;
  const initial = rec?.['restartBackoffInitialMs'];
  const max = rec?.['restartBackoffMaxMs'];
  if (Number.isInteger(initial) && Number.isInteger(max) && (max as number) < (initial as number)) {
    problems.push({ path: 'recorder.restartBackoffMaxMs', message: `${String(max)} must be >= restartBackoffInitialMs (${String(initial)})` });
  }
  const demo = value['demo'] as RawObject | undefined;
  const port = (value['server'] as RawObject | undefined)?.['port'];
  if (demo?.['enabled'] === true && Number.isInteger(port) && demo['rtspPort'] === port) {
    problems.push({ path: 'demo.rtspPort', message: `${String(port)} is also server.port: pick another port` });
  }
  return problems;
}

function finish(input: ConfigInput, base: string): Config {
  const cameras: CameraConfig[] = input.cameras.map((c) => ({ ...c, name: c.name ?? c.id }));
  return {
    ...input,
    storage: { ...input.storage, dataDir: resolve(base, input.storage.dataDir) },
    cameras,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
