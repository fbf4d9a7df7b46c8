/**
 * Indexing a segment file whose close was never seen (the last segment of a run cut
 * short by a crash or a killed ffmpeg), shared by start-up reconciliation and the
 * indexer's "segment abandoned" path. The file is probed: playable → a recovered row
 * with the probed playable duration; unreadable or empty → moved to quarantine, never
 * deleted (it may still matter to an investigator).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../core/logger.js';
import { runKeySpawnedMs, type StreamInfo } from '../core/types.js';
import type { Store } from '../store/db.js';
import type { RunRow } from '../store/runs-repo.js';
import type { ProbeResult, Prober } from './probe.js';

export interface RecoverDeps {
  readonly store: Store;
  readonly prober: Prober;
  readonly recordingsDir: string;
  readonly quarantineDir: string;
  readonly log: Logger;
}

export interface UnindexedFile {
  readonly cameraId: string;
  readonly runKey: string;
  readonly seq: number;
  /** Relative to the recordings root. */
  readonly relPath: string;
}

export type RecoverOutcome = 'indexed' | 'quarantined' | 'already-indexed';

/** Decides where a recovered segment starts once its probe is known. */
export type StartOf = (run: RunRow, probe: ProbeResult) => number;

const noStream: StreamInfo = { videoCodec: null, width: null, height: null, fps: null, audioCodec: null };

/**
 * The run of a file: the indexed one, or a new run anchored on the time in its run key
 * (the spawn time: the best anchor left when the RunStarted row never got written).
 */
export function ensureRun(store: Store, cameraId: string, runKey: string, fallbackStartMs: number, nowMs: number): { run: RunRow; created: boolean } {
  const known = store.runs.getByKey(cameraId, runKey);
  if (known) return { run: known, created: false };
  const startMs = runKeySpawnedMs(runKey) ?? fallbackStartMs;
  return store.transaction(() => {
    store.cameras.ensure(cameraId, cameraId, nowMs, false);
    const { row, created } = store.runs.insertIfAbsent({ cameraId, runKey, spawnedMs: startMs, startMs, stream: noStream });
    return { run: row, created };
  });
}

/** Probe `file` and index it as recovered, or quarantine it when it does not play. */
export async function recoverFile(deps: RecoverDeps, file: UnindexedFile, run: RunRow, startOf: StartOf): Promise<RecoverOutcome> {
  const abs = path.join(deps.recordingsDir, file.relPath);
  const probe = await deps.prober.probe(abs);
  if (probe === null || probe.durationMs <= 0) {
    const to = await quarantine(deps, file.relPath);
    deps.log.warn({ file: file.relPath, to, probe }, 'segment file does not play: quarantined');
    return 'quarantined';
  }
  const startMs = startOf(run, probe);
  // Seq 1 starts at media time 0 (the anchor); its first frame comes firstFrameMs later.
  // Later segments start at their first frame. Same lengths as ffmpeg's segment list.
  const lengthMs = probe.durationMs + (file.seq === 1 ? probe.firstFrameMs : 0);
  const inserted = deps.store.segments.insert({
    cameraId: file.cameraId,
    runId: run.id,
    seq: file.seq,
    startMs,
    endMs: startMs + lengthMs,
    mediaDurationMs: lengthMs,
    observedCloseMs: null,
    sizeBytes: probe.sizeBytes,
    relPath: file.relPath,
    videoCodec: probe.videoCodec,
    width: probe.width,
    height: probe.height,
    audioCodec: probe.audioCodec,
    recovered: true,
  });
  if (!inserted) return 'already-indexed';
  deps.log.info(
    { file: file.relPath, startMs, durationMs: lengthMs, declaredDurationMs: probe.declaredDurationMs },
    'unindexed segment recovered',
  );
  return 'indexed';
}

/**
 * Move a file to <quarantine>/<same relative path>. Never overwrites: a name already
 * taken gets a numeric suffix. Falls back to copy + unlink across file systems.
 */
export async function quarantine(deps: Pick<RecoverDeps, 'recordingsDir' | 'quarantineDir'>, relPath: string): Promise<string> {
  const from = path.join(deps.recordingsDir, relPath);
  const target = await freeName(path.join(deps.quarantineDir, relPath));
  await fs.mkdir(path.dirname(target), { recursive: true });
  try {
    await fs.rename(from, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await fs.copyFile(from, target, fs.constants.COPYFILE_EXCL);
    await fs.unlink(from);
  }
  return path.relative(deps.quarantineDir, target);
}

async function freeName(wanted: string): Promise<string> {
  for (let n = 0; ; n += 1) {
    const candidate = n === 0 ? wanted : `${wanted}.${n}`;
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}
