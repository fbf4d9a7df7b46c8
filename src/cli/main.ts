/**
 * The `nvr` command line (bin/nvr.js calls main). Each command is its own file; this one
 * only dispatches and prints usage. Returns the exit code instead of calling exit, so
 * tests can run commands in-process.
 */
import { checkConfigCommand } from './check-config.js';
import { exitCodes, processIo, UsageError, type CliIo, type Command } from './command.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';
import { auditCommand } from './audit.js';
import { fsckCommand } from './fsck.js';
import { verifyCommand } from './verify.js';

export type { CliIo } from './command.js';

const commands: readonly Command[] = [serveCommand, checkConfigCommand, tokenCommand, auditCommand, fsckCommand, verifyCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.synopsis.length));
  const lines = commands.map((c) => `  nvr ${c.synopsis.padEnd(width)}  ${c.summary}`);
  return ['usage:', ...lines, `  nvr ${'help'.padEnd(width)}  show this text`].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return exitCodes.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(name === undefined ? 'nvr: missing command' : `nvr: unknown command '${name}'`);
    io.err(usage());
    return exitCodes.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`nvr ${command.name}: ${err.message}`);
    io.err(usage());
    return exitCodes.usage;
  }
}
