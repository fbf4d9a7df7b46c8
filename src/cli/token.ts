/**
 * `nvr token create --name NAME --role ROLE [--config FILE]`: an API token for scripts.
 * The token is printed once, alone on the last line of stdout (so `| tail -n1` gets
 * it); only its sha256 is stored. Works with the daemon running or not. Audited as
 * actor 'cli' from address 'local'.
 */
import { AuditTrail } from '../audit/audit-trail.js';
import { createAuth } from '../auth/index.js';
import { systemClock } from '../core/clock.js';
import { isNvrError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { roles, type Role } from '../auth/roles.js';
import { exitCodes, loadConfigOrReport, parseCommandArgs, UsageError, type Command } from './command.js';
import { withIndex } from './open-index.js';

export const tokenCommand: Command = {
  name: 'token',
  synopsis: 'token create --name NAME --role ROLE [--config FILE]',
  summary: `create an API token (role: ${roles.join(', ')}); printed once, alone on the last line`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'create') throw new UsageError(`unknown subcommand '${sub ?? ''}': use 'token create'`);
    const options = { name: { type: 'string' }, role: { type: 'string' }, config: { type: 'string', short: 'c' } } as const;
    const { values } = parseCommandArgs(rest, options, false);
    if (values.name === undefined) throw new UsageError('--name NAME is required');
    if (values.role === undefined) throw new UsageError(`--role is required (${roles.join(', ')})`);
    const config = loadConfigOrReport(io, values.config);
    if (!config) return exitCodes.configInvalid;
    const { name } = values;
    const role = values.role as Role; // checked by the service, which names a bad value
    try {
      const created = await withIndex(config, (store) => {
        const result = createAuth({ store, clock: systemClock }).tokens.create({ name, role, createdBy: 'cli' });
        const audit = new AuditTrail({ repo: store.audit, clock: systemClock, log: silentLogger() });
        audit.append({ actor: 'cli', address: 'local', action: 'token.create', result: 'ok', detail: `token '${name}' as ${role}` });
        return result;
      });
      io.out(`created API token '${name}' (id ${created.view.id}, role ${role}); send it as "Authorization: Bearer <token>".`);
      io.out('It is shown only now (the box keeps only its hash). Token:');
      io.out(created.token);
      return exitCodes.ok;
    } catch (err) {
      if (!isNvrError(err)) throw err;
      io.err(`nvr token: ${err.message}`);
      return exitCodes.failure;
    }
  },
};
