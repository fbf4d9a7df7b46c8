/**
 * The recorder's sink as the daemon wires it: every event goes to the indexer (its
 * throwing face), a failed write is counted and shown in health ("database errors")
 * instead of only logged, and closed segments feed the metrics. The recorder still never
 * sees an error: a file that was not indexed is picked up by start-up reconciliation.
 */
import type { Logger } from '../core/logger.js';
import type { SegmentClosedEvent } from '../core/types.js';
import type { HealthFinding } from '../health/health.js';
import type { Indexer } from '../indexer/indexer.js';
import type { RecorderSink } from '../recorder/camera-recorder.js';

/** Failures of index writes: how many, the last one, and whether writes work again since. */
export class IndexErrors {
  total = 0;
  private lastError: string | null = null;
  private lastFailureMs: number | null = null;
  private lastSuccessMs: number | null = null;

  noteFailure(nowMs: number, message: string): void {
    this.total += 1;
    this.lastError = message;
    this.lastFailureMs = nowMs;
  }

  noteSuccess(nowMs: number): void {
    this.lastSuccessMs = nowMs;
  }

  /**
   * Critical while the latest write failed (footage is recorded but not findable);
   * degraded for an hour after a failure that later writes recovered from.
   */
  finding(nowMs: number, recentMs = 3_600_000): HealthFinding | null {
    if (this.lastFailureMs === null) return null;
    const failing = this.lastSuccessMs === null || this.lastSuccessMs < this.lastFailureMs;
    if (failing) return { severity: 'critical', reason: `index writes failing (${this.total} errors; last: ${this.lastError})` };
    if (nowMs - this.lastFailureMs < recentMs) return { severity: 'degraded', reason: `index write errors in the last hour (${this.total}; last: ${this.lastError})` };
    return null;
  }
}

export interface IndexSinkDeps {
  indexer: Indexer;
  errors: IndexErrors;
  nowMs: () => number;
  log: Logger;
  /** Called after a closed segment is indexed (metrics: segments, bytes, bitrate). */
  onSegment?: (e: SegmentClosedEvent) => void;
}

export function indexSink(deps: IndexSinkDeps): RecorderSink {
  const guarded = (event: string, runKey: string, write: () => void): void => {
    try {
      write();
      deps.errors.noteSuccess(deps.nowMs());
    } catch (err) {
      const message = (err as Error).message;
      deps.errors.noteFailure(deps.nowMs(), message);
      deps.log.error({ event, runKey, err: message }, 'event not indexed; start-up reconciliation will repair the index');
    }
  };
  return {
    runStarted: (e) => guarded('RunStarted', e.runKey, () => deps.indexer.onRunStarted(e)),
    segmentClosed: (e) => {
      guarded('SegmentClosed', e.runKey, () => deps.indexer.onSegmentClosed(e));
      deps.onSegment?.(e);
    },
    runEnded: (e) => guarded('RunEnded', e.runKey, () => deps.indexer.onRunEnded(e)),
    // Asynchronous (probing); the indexer logs its own failures there.
    segmentAbandoned: (e) => guarded('SegmentAbandoned', e.runKey, () => deps.indexer.onSegmentAbandoned(e)),
  };
}
