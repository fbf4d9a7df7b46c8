/**
 * `nvr fsck [--config FILE] [--no-hash] [--json] [--acknowledge]`: checks recorded footage
 * against the index and the per-camera hash chains and reports every mismatch: files
 * edited, missing or of the wrong size, rows edited, links broken or missing, segments
 * removed outside retention. Safe next to a running daemon (it reads at full speed, so
 * run it when the box is quiet). Findings are written to the index, so the daemon's
 * health shows them until acknowledged (--acknowledge, audited). Exit 0 clean, 1 not.
 */
import { AuditTrail } from '../audit/audit-trail.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { dataPaths } from '../core/paths.js';
import { runFsck, type FsckReport } from '../integrity/fsck.js';
import type { Store } from '../store/db.js';
import { exitCodes, loadConfigOrReport, parseCommandArgs, type CliIo, type Command } from './command.js';
import { indexExists, indexFileOf, withIndex } from './open-index.js';

export const fsckCommand: Command = {
  name: 'fsck',
  synopsis: 'fsck [--config FILE] [--no-hash] [--json] [--acknowledge]',
  summary: 'check recordings against their hashes and chains; lists every mismatch (exit 1)',
  async run(args, io) {
    const options = { config: { type: 'string', short: 'c' }, 'no-hash': { type: 'boolean' }, json: { type: 'boolean' }, acknowledge: { type: 'boolean' } } as const;
    const { values } = parseCommandArgs(args, options, false);
    const config = loadConfigOrReport(io, values.config);
    if (!config) return exitCodes.configInvalid;
    if (!indexExists(config)) {
      io.err(`nvr fsck: no index at ${indexFileOf(config)}: nothing to check`);
      return exitCodes.failure;
    }
    const { recordingsDir } = dataPaths(config.storage.dataDir);
    return withIndex(config, async (store) => {
      const report = await runFsck({ store, recordingsDir, clock: systemClock }, { hashFiles: values['no-hash'] !== true });
      if (values.json) io.out(JSON.stringify(report, null, 2));
      else printReport(io, report);
      if (values.acknowledge) acknowledge(io, store);
      return report.findings.length === 0 ? exitCodes.ok : exitCodes.failure;
    });
  },
};

function printReport(io: CliIo, r: FsckReport): void {
  for (const c of r.chains) io.out(`chain ${c.cameraId}: ${c.links} links checked, head at position ${c.headSeq}`);
  io.out(`files: ${r.filesChecked} sealed files checked, ${(r.bytesRead / 1e6).toFixed(1)} MB read in ${(r.elapsedMs / 1000).toFixed(1)} s`);
  for (const u of r.unsealed) io.out(`unsealed: camera ${u.cameraId} has ${u.count} rows not sealed yet (oldest from ${new Date(u.oldestMs).toISOString()})`);
  if (r.unindexedFiles.length > 0) io.out(`not indexed: ${r.unindexedFiles.length} segment files (being recorded now, or left for start-up reconciliation): ${r.unindexedFiles.slice(0, 5).join(', ')}${r.unindexedFiles.length > 5 ? ', …' : ''}`);
  for (const f of r.findings) io.out(`MISMATCH ${f.kind} camera ${f.cameraId}${f.relPath ? ` ${f.relPath}` : ''}${f.chainSeq ? ` (chain position ${f.chainSeq})` : ''}: ${f.detail}`);
  io.out(r.findings.length === 0 ? 'fsck: recordings match the index and the chains' : `fsck: ${r.findings.length} mismatch(es) found`);
}

function acknowledge(io: CliIo, store: Store): void {
  const n = store.findings.acknowledgeOpen('cli', systemClock.nowMs());
  new AuditTrail({ repo: store.audit, clock: systemClock, log: silentLogger() })
    .append({ actor: 'cli', address: 'local', action: 'integrity.acknowledge', result: 'ok', detail: `${n} open integrity finding(s) acknowledged by nvr fsck --acknowledge` });
  io.out(`acknowledged ${n} open finding(s): they stay in the index but no longer make health critical`);
}
