/**
 * Start-up reconciliation of rows and files. Runs once, after migrations and before any
 * recorder starts (so no file is being written). Afterwards these invariants hold:
 *
 *  (a) every segment row names an existing file: rows whose file is gone are deleted
 *      (one log line per run, with the count);
 *  (b) every well-named *.mp4 under recordings/ has a row: a file without one is probed;
 *      playable → indexed in its run (created from the run key when absent) with
 *      recovered=1, start = end of the run's segment seq-1, or the run's anchor for seq 1,
 *      or (earlier files gone) its mtime minus its duration; duration = probed playable
 *      duration. Unplayable → moved to quarantine/<same relative path>. Files that do
 *      not match the naming scheme are logged and left alone;
 *  (c) no run is open: runs without an end are closed as 'unclean-shutdown' with
 *      ended_ms = end_ms (the end of their last segment, recovered ones included);
 *  (d) empty day folders are removed.
 * Running it again changes nothing. Safety: when recordings/ holds no segment file at
 * all (an unmounted disk looks like that) rows are kept and an error is logged; and a
 * file that cannot be handled is logged and retried next start, never fatal.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { runKeySpawnedMs } from '../core/types.js';
import type { Store } from '../store/db.js';
import type { SegmentFileRef } from '../store/segments-repo.js';
import type { Prober } from './probe.js';
import { ensureRun, recoverFile, type RecoverDeps, type StartOf } from './recover.js';
import { scanRecordings, type SegmentFile } from './scan.js';

export interface ReconcileDeps {
  readonly store: Store;
  readonly recordingsDir: string;
  readonly quarantineDir: string;
  readonly probe: Prober;
  readonly log: Logger;
  readonly clock: Clock;
  /**
   * True for a file retention is deleting (its row is in `garbage`, the unlink failed):
   * such a file is not an orphan and must not be indexed again.
   */
  readonly isGarbage?: (relPath: string) => boolean;
}

export interface ReconcileReport {
  /** Segment files found with a well-formed name. */
  filesScanned: number;
  /** Rows deleted because their file was missing (a). */
  rowsRemovedMissingFile: number;
  /** Files without a row that were probed and indexed as recovered (b). */
  filesIndexed: number;
  /** Files without a row that did not play and were moved to quarantine (b). */
  filesQuarantined: number;
  /** Files without a row that could not be handled (I/O error); retried next start. */
  filesFailed: number;
  /** True when (a) was skipped because recordings/ held no segment file at all. */
  missingCheckSkipped: boolean;
  /** Entries under recordings/ that do not match the naming scheme, left alone (b). */
  filesIgnored: number;
  /** Runs created for files whose run had no row (b). */
  runsCreated: number;
  /** Open runs closed as 'unclean-shutdown' (c). */
  runsClosed: number;
  /** Empty day folders removed (d). */
  dayDirsRemoved: number;
  elapsedMs: number;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const started = deps.clock.monotonicMs();
  const report: ReconcileReport = {
    filesScanned: 0, rowsRemovedMissingFile: 0, filesIndexed: 0, filesQuarantined: 0, filesFailed: 0,
    filesIgnored: 0, runsCreated: 0, runsClosed: 0, dayDirsRemoved: 0, missingCheckSkipped: false, elapsedMs: 0,
  };
  const scan = await scanRecordings(deps.recordingsDir);
  reportUnexpected(deps.log, scan.unexpected);
  report.filesIgnored = scan.unexpected.length;
  // No segment file at all looks like an unmounted disk, not like lost footage: keep
  // the rows rather than wipe the index.
  report.missingCheckSkipped = [...scan.files.values()].every((m) => m.size === 0);
  const cameraIds = new Set([...deps.store.cameras.list().map((c) => c.id), ...scan.files.keys()]);
  for (const cameraId of cameraIds) {
    const files = scan.files.get(cameraId) ?? new Map<string, SegmentFile>();
    report.filesScanned += files.size;
    // One query per camera into a Set; no query per file.
    const rows = deps.store.segments.filesOfCamera(cameraId);
    if (report.missingCheckSkipped) warnNoFiles(deps.log, cameraId, rows.length);
    else report.rowsRemovedMissingFile += removeRowsWithoutFile(deps, cameraId, rows, files);
    const indexed = new Set(rows.map((r) => r.relPath));
    const orphans = [...files.values()].filter((f) => !indexed.has(f.relPath) && !deps.isGarbage?.(f.relPath));
    await indexOrphans(deps, orphans, report);
  }
  report.runsClosed = closeOpenRuns(deps);
  report.dayDirsRemoved = await removeEmptyDirs(deps, scan.dayDirs);
  report.elapsedMs = deps.clock.monotonicMs() - started;
  return report;
}

function reportUnexpected(log: Logger, unexpected: readonly string[]): void {
  if (unexpected.length === 0) return;
  log.warn({ count: unexpected.length, sample: unexpected.slice(0, 20) }, 'entries under recordings/ that are not segment files: left alone');
}

function warnNoFiles(log: Logger, cameraId: string, rows: number): void {
  if (rows > 0) log.error({ cameraId, rows }, 'no segment file under recordings/ but the index lists some: is the disk mounted? rows kept');
}

/** (a) Delete rows whose file is gone, in one transaction; one log line per run. */
function removeRowsWithoutFile(deps: ReconcileDeps, cameraId: string, rows: readonly SegmentFileRef[], files: ReadonlyMap<string, SegmentFile>): number {
  const missing = rows.filter((r) => !files.has(r.relPath));
  if (missing.length === 0) return 0;
  const byRun = groupBy(missing, (r) => r.runId);
  const removed = deps.store.segments.deleteByIds(missing.map((r) => r.id));
  for (const [runId, refs] of byRun) {
    const runKey = deps.store.runs.getById(runId)?.runKey ?? null;
    deps.log.warn({ cameraId, runKey, rows: refs.length, first: refs[0]?.relPath }, 'segment rows without a file removed');
  }
  return removed;
}

/** (b) Probe and index (or quarantine) files without a row, run by run in seq order. */
async function indexOrphans(deps: ReconcileDeps, orphans: readonly SegmentFile[], report: ReconcileReport): Promise<void> {
  const byRun = groupBy(orphans, (f) => f.runKey);
  const recoverDeps: RecoverDeps = {
    store: deps.store, prober: deps.probe, recordingsDir: deps.recordingsDir,
    quarantineDir: deps.quarantineDir, log: deps.log,
  };
  for (const [runKey, files] of byRun) {
    files.sort((a, b) => a.seq - b.seq);
    const first = files[0];
    if (!first) continue;
    const fallbackMs = runKeySpawnedMs(runKey) ?? (await mtimeMs(deps, first.relPath));
    const { run, created } = ensureRun(deps.store, first.cameraId, runKey, fallbackMs, deps.clock.nowMs());
    if (created) report.runsCreated += 1;
    // Sequential on purpose: seq n chains on seq n-1, indexed just before.
    for (const file of files) {
      try {
        const outcome = await recoverFile(recoverDeps, file, run, await startRule(deps, file));
        if (outcome === 'indexed') report.filesIndexed += 1;
        if (outcome === 'quarantined') report.filesQuarantined += 1;
      } catch (err) {
        // One unreadable file must not stop the box from recording.
        report.filesFailed += 1;
        deps.log.error({ file: file.relPath, err: (err as Error).message }, 'unindexed segment file not handled; retried next start');
      }
    }
  }
}

/** Where a recovered segment starts; see invariant (b). */
async function startRule(deps: ReconcileDeps, file: SegmentFile): Promise<StartOf> {
  const { store } = deps;
  const chained: StartOf = (run) => {
    const prev = store.segments.bySeq(run.id, file.seq - 1);
    return prev ? prev.endMs : run.startMs;
  };
  const run = store.runs.getByKey(file.cameraId, file.runKey);
  if (file.seq === 1 || (run && store.segments.bySeq(run.id, file.seq - 1))) return chained;
  // The earlier files of the run are gone: a file's mtime is its last write, i.e. its end.
  const endMs = await mtimeMs(deps, file.relPath);
  return (r, probe) => {
    const startMs = Math.max(r.startMs, endMs - probe.durationMs);
    deps.log.warn({ file: file.relPath, startMs }, 'no earlier segment to chain on: start estimated from the file time');
    return startMs;
  };
}

async function mtimeMs(deps: ReconcileDeps, relPath: string): Promise<number> {
  try {
    return Math.floor((await fs.stat(path.join(deps.recordingsDir, relPath))).mtimeMs);
  } catch {
    return deps.clock.nowMs();
  }
}

/** (c) Nothing records before reconciliation ends, so every open run died with the box. */
function closeOpenRuns(deps: ReconcileDeps): number {
  const open = deps.store.runs.listOpen();
  return deps.store.transaction(() => {
    let closed = 0;
    for (const run of open) {
      if (!deps.store.runs.closeUnclean(run.id, 'found open at start-up')) continue;
      closed += 1;
      deps.log.warn({ cameraId: run.cameraId, runKey: run.runKey, endMs: run.endMs }, 'open run closed as unclean-shutdown');
    }
    return closed;
  });
}

/** (d) rmdir only succeeds on an empty folder, so a folder with files is never at risk. */
async function removeEmptyDirs(deps: ReconcileDeps, dayDirs: readonly string[]): Promise<number> {
  let removed = 0;
  for (const rel of dayDirs) {
    try {
      await fs.rmdir(path.join(deps.recordingsDir, rel));
      removed += 1;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') deps.log.warn({ dir: rel, code }, 'could not remove empty day folder');
    }
  }
  if (removed > 0) deps.log.info({ removed }, 'empty day folders removed');
  return removed;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
