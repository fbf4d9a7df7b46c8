/**
 * `nvr serve [--config FILE]`: run the daemon until SIGTERM (systemd stop) or SIGINT
 * (Ctrl-C), then close it in order so every open segment is finished and indexed.
 */
import { redactText } from '../core/redact.js';
import { exitCodes, loadConfigOrReport, parseCommandArgs, type CliIo, type Command } from './command.js';

const stopSignals = ['SIGTERM', 'SIGINT'] as const;

/** Start-up errors may quote a camera URL (ffmpeg, demo camera): mask before printing. */
const errorText = (err: unknown) => redactText(err instanceof Error ? err.message : String(err));

/**
 * Resolves on the first stop signal. Installed before the daemon starts, so a stop during
 * start-up still ends in an orderly close. A second signal means "now": exit at once.
 */
function firstStopSignal(io: CliIo): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const s of stopSignals) process.off(s, onSignal);
      for (const s of stopSignals) {
        process.once(s, () => {
          io.err(`nvr: ${s} again while stopping: exiting without waiting`);
          process.exit(exitCodes.failure);
        });
      }
      resolve(signal);
    };
    for (const s of stopSignals) process.on(s, onSignal);
  });
}

export const serveCommand: Command = {
  name: 'serve',
  synopsis: 'serve [--config FILE]',
  summary: 'run the recorder daemon (default config: the embedded default)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } }, false);
    // Validate before anything else: a bad config must not create a data dir or a lock.
    const config = loadConfigOrReport(io, values.config);
    if (!config) return exitCodes.configInvalid;

    const stopped = firstStopSignal(io);
    // Imported here, not at the top, so `check-config` and `--help` do not load the whole
    // daemon (SQLite, Fastify, recorders).
    const { startDaemon } = await import('../daemon.js');
    let daemon: Awaited<ReturnType<typeof startDaemon>>;
    try {
      daemon = await startDaemon(config, { configFile: values.config });
    } catch (err) {
      io.err(`nvr: cannot start: ${errorText(err)}`);
      return exitCodes.failure;
    }
    const signal = await stopped;
    try {
      await daemon.close(signal);
    } catch (err) {
      io.err(`nvr: unclean stop: ${errorText(err)}`);
      return exitCodes.failure;
    }
    return exitCodes.ok;
  },
};
