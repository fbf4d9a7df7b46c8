/**
 * Walks the trail in id order and says exactly where it stops holding:
 * - a hole in the ids: entries were removed (AUTOINCREMENT never reuses an id);
 * - an entry whose prev_hash is not the previous entry's hash: the previous entry was
 *   replaced (edited and re-hashed) or entries were spliced;
 * - an entry whose content no longer gives its hash: that entry was edited;
 * - fewer entries than ids ever issued: entries were removed from the end.
 * Limit, stated: someone who can write the file can also rebuild the whole chain; the
 * head hash (logged at every start and printed by `nvr audit verify`) kept elsewhere is
 * what catches that.
 */
import { toIso } from '../core/time.js';
import { auditHash, genesisHash, type AuditRow } from '../store/audit-repo.js';
import type { ChainBreak, ChainReport } from './types.js';

function broken(entries: number, headHash: string | null, problem: ChainBreak): ChainReport {
  return { ok: false, entries, headHash, problem };
}

function missing(from: number, to: number, where: string): string {
  return from === to ? `entry ${from} is missing (removed${where})` : `entries ${from}..${to} are missing (removed${where})`;
}

export function verifyChain(rows: Iterable<AuditRow>, highestIssuedId: number): ChainReport {
  let expectedId = 1;
  let prevHash = genesisHash;
  let entries = 0;
  let head: string | null = null;
  for (const row of rows) {
    const at = `entry ${row.id} (${toIso(row.atMs)}, ${row.action} by ${row.actor})`;
    if (row.id !== expectedId) {
      return broken(entries, head, { id: expectedId, kind: 'removed', message: `${missing(expectedId, row.id - 1, '')}: the trail jumps from entry ${expectedId - 1} to entry ${row.id}` });
    }
    if (row.prevHash !== prevHash) {
      const prev = row.id === 1 ? 'the start of the trail' : `entry ${row.id - 1}`;
      return broken(entries, head, { id: row.id, kind: 'relinked', message: `${at} does not link to ${prev}: ${prev} was replaced or entries were spliced` });
    }
    if (auditHash(row.prevHash, row.id, row) !== row.hash) {
      return broken(entries, head, { id: row.id, kind: 'edited', message: `${at} was edited: its content no longer matches its hash` });
    }
    prevHash = row.hash;
    head = row.hash;
    expectedId += 1;
    entries += 1;
  }
  if (highestIssuedId >= expectedId) {
    return broken(entries, head, { id: expectedId, kind: 'removed', message: missing(expectedId, highestIssuedId, ' from the end of the trail') });
  }
  return { ok: true, entries, headHash: head, problem: null };
}
