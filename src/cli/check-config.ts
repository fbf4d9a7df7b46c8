/** `nvr check-config [FILE]`: validate a config (with env overrides) and touch nothing. */
import { exitCodes, loadConfigOrReport, parseCommandArgs, UsageError, type Command } from './command.js';

export const checkConfigCommand: Command = {
  name: 'check-config',
  synopsis: 'check-config [FILE]',
  summary: 'validate a config file (default: the embedded default) and list every problem',
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {}, true);
    if (positionals.length > 1) throw new UsageError('check-config takes at most one FILE');
    const config = loadConfigOrReport(io, positionals[0]);
    if (!config) return exitCodes.configInvalid;
    io.out(`ok: ${config.cameras.length} cameras, dataDir ${config.storage.dataDir}`);
    return exitCodes.ok;
  },
};
