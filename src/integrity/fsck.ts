/**
 * A full integrity check, for `nvr fsck`: every camera's chain, every sealed file re-read
 * and compared with its seal, unsealed rows and their files, and files on disk the index
 * does not know. Runs next to a live daemon (WAL); findings are recorded like the
 * background check's, so the daemon's health shows them too.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { scanRecordings } from '../indexer/scan.js';
import type { Store } from '../store/db.js';
import type { NewFinding } from '../store/findings-repo.js';
import { checkChain, checkFile } from './checks.js';

export interface FsckDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly clock: Clock;
}

export interface FsckOptions {
  /** Re-read every sealed file (default true); false checks chains and presence only. */
  readonly hashFiles?: boolean;
  /** Write findings to the index so health shows them (default true). */
  readonly record?: boolean;
}

export interface FsckReport {
  readonly chains: { cameraId: string; links: number; headSeq: number }[];
  readonly filesChecked: number;
  readonly bytesRead: number;
  /** Everything wrong, chains first, then files. */
  readonly findings: NewFinding[];
  /** Rows not sealed yet (the last seconds of recording, or a backlog). */
  readonly unsealed: { cameraId: string; count: number; oldestMs: number }[];
  /** Segment files with no row (being written now, or left for start-up reconciliation). */
  readonly unindexedFiles: string[];
  readonly elapsedMs: number;
}

const pageRows = 500;

export async function runFsck(deps: FsckDeps, opts: FsckOptions = {}): Promise<FsckReport> {
  const { store, recordingsDir, clock } = deps;
  const started = clock.monotonicMs();
  const findings: NewFinding[] = [];
  const cameras = new Set([...store.integrity.heads().map((h) => h.cameraId), ...store.usage.perCamera().map((c) => c.cameraId)]);
  const chains = [...cameras].sort().map((cameraId) => {
    const report = checkChain(store.integrity, cameraId);
    findings.push(...report.findings);
    return { cameraId, links: report.links, headSeq: store.integrity.head(cameraId)?.headSeq ?? 0 };
  });
  let filesChecked = 0;
  let bytesRead = 0;
  for (let page = store.integrity.sealedAfter(0, pageRows); page.length > 0; page = store.integrity.sealedAfter(page.at(-1)!.id, pageRows)) {
    for (const row of page) {
      const result = opts.hashFiles === false ? await presenceOf(deps, row) : await checkFile(store.integrity, recordingsDir, row);
      filesChecked += result.stillIndexed ? 1 : 0;
      bytesRead += result.bytes;
      if (result.finding) findings.push(result.finding);
      else if (result.stillIndexed && opts.hashFiles !== false) {
        store.integrity.markVerified(row.id, clock.nowMs());
        if (opts.record !== false) store.findings.resolveFile(row.relPath, clock.nowMs());
      }
    }
  }
  const unsealed = store.integrity.unsealedCounts();
  for (const u of unsealed) findings.push(...await unsealedMissing(deps, u.cameraId));
  if (opts.record !== false) for (const f of findings) store.findings.record(f, clock.nowMs());
  return { chains, filesChecked, bytesRead, findings, unsealed, unindexedFiles: await unindexed(deps), elapsedMs: clock.monotonicMs() - started };
}

async function presenceOf(deps: FsckDeps, row: { id: number; cameraId: string; relPath: string; chainSeq: number | null }) {
  try {
    await stat(path.join(deps.recordingsDir, row.relPath));
    return { finding: null, bytes: 0, stillIndexed: true };
  } catch {
    const stillIndexed = deps.store.integrity.byId(row.id) !== undefined;
    const finding: NewFinding | null = stillIndexed
      ? { cameraId: row.cameraId, kind: 'missing-file', relPath: row.relPath, chainSeq: row.chainSeq ?? 0, detail: `file ${row.relPath} is missing but its row is sealed in the index` }
      : null;
    return { finding, bytes: 0, stillIndexed };
  }
}

/** Unsealed rows whose file is gone: they can never be sealed. */
async function unsealedMissing(deps: FsckDeps, cameraId: string): Promise<NewFinding[]> {
  const out: NewFinding[] = [];
  for (const row of deps.store.integrity.unsealed(10_000, cameraId)) {
    const r = await presenceOf(deps, row);
    if (r.finding) out.push({ ...r.finding, detail: `file ${row.relPath} is missing (its row was never sealed)` });
  }
  return out;
}

async function unindexed(deps: FsckDeps): Promise<string[]> {
  const scan = await scanRecordings(deps.recordingsDir);
  const out: string[] = [];
  for (const [cameraId, files] of scan.files) {
    const rows = new Set(deps.store.segments.filesOfCamera(cameraId).map((r) => r.relPath));
    for (const relPath of files.keys()) if (!rows.has(relPath) && !deps.store.garbage.has(relPath)) out.push(relPath);
  }
  return out.sort();
}
