/**
 * The two integrity checks, shared by the background check and `nvr fsck`:
 *  - the chain check walks one camera's links (rows and tombstones) from its base and
 *    finds edited rows, broken or missing links, rows removed outside retention and a
 *    head that points past the last link (SQL and small hashes only: no file reads);
 *  - the file check re-reads one sealed file and compares it with its seal.
 * Both return findings; recording them is the caller's choice.
 */
import path from 'node:path';
import type { NewFinding } from '../store/findings-repo.js';
import type { ChainHead, ChainLink, IntegrityRepo, SegmentSeal } from '../store/integrity-repo.js';
import { chainValue, genesisChain } from './chain.js';
import { hashFile, type FileHash, type HashOptions } from './hasher.js';

export interface ChainReport {
  readonly cameraId: string;
  /** Links checked (rows and tombstones). */
  readonly links: number;
  readonly findings: NewFinding[];
  /**
   * The longest run of tombstones from the base that retention deleted and that verified:
   * they may be pruned (base moves to `seq` / `chain`). Null when there is none.
   */
  readonly prunable: { readonly seq: number; readonly chain: string } | null;
}

const pageRows = 2000;
const short = (hex: string) => `${hex.slice(0, 12)}…`;

/** Walks a camera's chain from its base to its head. */
export function checkChain(repo: IntegrityRepo, cameraId: string): ChainReport {
  const head: ChainHead = repo.head(cameraId) ?? { cameraId, headSeq: 0, head: genesisChain, baseSeq: 0, base: genesisChain };
  const findings: NewFinding[] = [];
  const found = (kind: NewFinding['kind'], link: Pick<ChainLink, 'chainSeq' | 'relPath'> | null, detail: string) =>
    findings.push({ cameraId, kind, relPath: link?.relPath ?? '', chainSeq: link?.chainSeq ?? 0, detail });
  let expectSeq = head.baseSeq + 1;
  let expectPrev = head.base;
  let links = 0;
  let prunable: ChainReport['prunable'] = null;
  let prefixClean = true;
  for (let page = repo.links(cameraId, head.baseSeq, pageRows); page.length > 0; page = repo.links(cameraId, expectSeq - 1, pageRows)) {
    for (const link of page) {
      links += 1;
      const problems = findings.length;
      if (link.chainSeq > expectSeq) {
        found('link-missing', { chainSeq: expectSeq, relPath: '' }, `chain positions ${expectSeq}..${link.chainSeq - 1} have neither a segment row nor a tombstone: rows were deleted behind the daemon's back`);
      } else if (link.chainPrev !== expectPrev) {
        found('chain-broken', link, `link ${link.chainSeq} carries previous value ${short(link.chainPrev)} but position ${expectSeq - 1} ends with ${short(expectPrev)}`);
      }
      if (chainValue({ ...link, prev: link.chainPrev, cameraId }) !== link.chain) {
        found('row-edited', link, `${link.source === 'row' ? 'segment row' : 'tombstone'} ${link.chainSeq} no longer matches its chain value: its hash, times or path were changed`);
      }
      if (link.source === 'removed' && link.via === null) {
        found('removed-outside-retention', link, `segment ${link.relPath} (${new Date(link.startMs).toISOString()}..${new Date(link.endMs).toISOString()}) left the index at ${new Date(link.removedMs ?? 0).toISOString()} without retention deleting it (file deleted by hand, or the row removed)`);
      }
      prefixClean &&= findings.length === problems && link.source === 'removed' && link.via !== null;
      if (prefixClean) prunable = { seq: link.chainSeq, chain: link.chain };
      expectSeq = link.chainSeq + 1;
      expectPrev = link.chain;
    }
  }
  if (expectSeq - 1 !== head.headSeq || expectPrev !== head.head) {
    found('head-mismatch', { chainSeq: head.headSeq, relPath: '' }, `the chain head is position ${head.headSeq} but the last link found is ${expectSeq - 1}: the newest sealed segments were removed`);
  }
  return { cameraId, links, findings, prunable };
}

export interface FileCheck {
  /** Null when the file matches its seal. */
  readonly finding: NewFinding | null;
  /** Bytes read (0 when the file is missing). */
  readonly bytes: number;
  /** False when the row disappeared during the check (retention deleted it): nothing to say. */
  readonly stillIndexed: boolean;
}

/** Re-read one sealed file and compare it with its seal. */
export async function checkFile(repo: IntegrityRepo, recordingsDir: string, row: SegmentSeal, opts: HashOptions = {}, hash = hashFile): Promise<FileCheck> {
  const found = (kind: NewFinding['kind'], detail: string, bytes: number): FileCheck => {
    const stillIndexed = repo.byId(row.id) !== undefined;
    const finding = stillIndexed ? { cameraId: row.cameraId, kind, relPath: row.relPath, chainSeq: row.chainSeq ?? 0, detail } : null;
    return { finding, bytes, stillIndexed };
  };
  let actual: FileHash;
  try {
    actual = await hash(path.join(recordingsDir, row.relPath), opts);
  } catch (err) {
    if (!isFsError(err)) throw err;
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return found(missing ? 'missing-file' : 'unreadable', missing ? `file ${row.relPath} is missing but its row is sealed in the index` : `file ${row.relPath} cannot be read: ${(err as Error).message}`, 0);
  }
  if (actual.sizeBytes !== row.sizeBytes) {
    return found('size-mismatch', `file ${row.relPath} has ${actual.sizeBytes} bytes; it had ${row.sizeBytes} when sealed`, actual.sizeBytes);
  }
  if (actual.sha256 !== row.sha256) {
    return found('hash-mismatch', `file ${row.relPath} has SHA-256 ${actual.sha256}; it was sealed with ${row.sha256 ?? '(none)'}`, actual.sizeBytes);
  }
  return { finding: null, bytes: actual.sizeBytes, stillIndexed: true };
}

/** An error of the file system (ENOENT, EIO, ...), as opposed to a read stopped on purpose. */
export function isFsError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | null)?.code === 'string';
}
