/**
 * What every CLI command shares: a tiny output port (so tests can read what a command
 * printed without spawning it), the command shape, exit codes and config reporting.
 * A new command (token, audit, fsck, verify) is one file exporting a Command, listed in
 * main.ts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/** Exit codes: sysexits.h EX_USAGE for bad command lines; 2 for an invalid config. */
export const exitCodes = { ok: 0, failure: 1, configInvalid: 2, usage: 64 } as const;

export interface Command {
  readonly name: string;
  /** One line: `serve [--config FILE]`. */
  readonly synopsis: string;
  readonly summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for a bad command line; main() prints it with the usage and returns 64. */
export class UsageError extends Error {}

export function parseCommandArgs<T extends ParseArgsConfig['options']>(args: string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Loads the config, or prints every problem (`<path>: <message>`, one per line) and
 * returns null. Nothing is written to disk either way.
 */
export function loadConfigOrReport(io: CliIo, file: string | undefined): Config | null {
  try {
    return loadConfig(file === undefined ? {} : { file });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`invalid configuration ${err.source} (${err.problems.length} ${err.problems.length === 1 ? 'problem' : 'problems'}):`);
    for (const p of err.problems) io.err(`${p.path}: ${p.message}`);
    return null;
  }
}
