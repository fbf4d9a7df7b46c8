/**
 * `nvr verify PACKAGE [--fingerprint HEX] [--json]`: offline verification of an export
 * package (.tar or extracted folder), by the same code as the standalone verifier that
 * ships in every package (tools/verify-export.mjs). Exit 0 verified, 1 not.
 */
import { loadVerifier } from '../verify/verify.js';
import { exitCodes, parseCommandArgs, UsageError, type Command } from './command.js';

export const verifyCommand: Command = {
  name: 'verify',
  synopsis: 'verify PACKAGE [--fingerprint HEX] [--json]',
  summary: 'verify an export package offline: signature, every file hash, the manifest',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { fingerprint: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one PACKAGE (the .tar or the folder it was extracted to)');
    const verifier = await loadVerifier();
    const result = await verifier.verifyPackage(positionals[0]!, values.fingerprint === undefined ? {} : { fingerprint: values.fingerprint });
    io.out(values.json ? JSON.stringify({ ok: result.ok, fingerprint: result.fingerprint, checks: result.checks }, null, 2) : verifier.formatReport(result));
    return result.ok ? exitCodes.ok : exitCodes.failure;
  },
};
