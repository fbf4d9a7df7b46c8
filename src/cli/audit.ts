/**
 * `nvr audit verify [--config FILE]`: walks the audit trail's hash chain and says
 * exactly which entry broke it (edited, relinked, removed). Exit 0 when intact, 1 when
 * broken or when there is no index to check. Safe while the daemon runs.
 */
import { AuditTrail } from '../audit/audit-trail.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { exitCodes, loadConfigOrReport, parseCommandArgs, UsageError, type Command } from './command.js';
import { indexExists, indexFileOf, withIndex } from './open-index.js';

export const auditCommand: Command = {
  name: 'audit',
  synopsis: 'audit verify [--config FILE]',
  summary: 'check the audit trail\'s hash chain; names the first broken entry (exit 1)',
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'verify') throw new UsageError(`unknown subcommand '${sub ?? ''}': use 'audit verify'`);
    const { values } = parseCommandArgs(rest, { config: { type: 'string', short: 'c' } }, false);
    const config = loadConfigOrReport(io, values.config);
    if (!config) return exitCodes.configInvalid;
    if (!indexExists(config)) {
      io.err(`nvr audit: no index at ${indexFileOf(config)}: nothing to verify`);
      return exitCodes.failure;
    }
    const report = await withIndex(config, (store) => new AuditTrail({ repo: store.audit, clock: systemClock, log: silentLogger() }).verify());
    if (report.ok) {
      io.out(`audit trail intact: ${report.entries} entries; head ${report.headHash ?? '(empty)'}`);
      return exitCodes.ok;
    }
    io.out(`audit trail BROKEN at entry ${report.problem!.id}: ${report.problem!.message}`);
    io.out(`${report.entries} entries before it verified; last good head ${report.headHash ?? '(none)'}`);
    return exitCodes.failure;
  },
};
