/**
 * The metrics port other modules call (clips, stills, exports, retention, disk). Types
 * only: importing it does not load prom-client, and a module given `noopMetrics` in its
 * tests needs no registry. The daemon passes the real one (src/metrics/registry.ts).
 *
 *   deps.metrics.observeClip(Date.now() - startedMs, bytesSent);          // a clip served
 *   deps.metrics.observeExport(ms, bytes, 'error');                       // a failed export
 *   deps.metrics.retentionDeleted('gate', 12, 3_400_000_000);             // after a pass
 *   deps.metrics.setDiskSource(() => ({ freeBytes, totalBytes, projectedDays }));
 */
export type Outcome = 'ok' | 'error';

/** What the disk looks like to retention; projectedDays null until it can say. */
export interface DiskFigures {
  freeBytes: number;
  totalBytes: number;
  /** Days until the disk is full at the recent recording rate (retention's estimate). */
  projectedDays: number | null;
}

export interface MetricsPort {
  /** A clip was produced: how long it took (ms, as the caller measures it) and its size. */
  observeClip(ms: number, bytes: number, outcome?: Outcome): void;
  observeStill(ms: number, bytes: number, outcome?: Outcome): void;
  observeExport(ms: number, bytes: number, outcome?: Outcome): void;
  /** Retention removed segments of a camera. */
  retentionDeleted(cameraId: string, segments: number, bytes: number): void;
  /** A retention deletion (or a whole pass, cameraId null) failed. */
  retentionFailed(cameraId: string | null, count?: number): void;
  /** Replaces where disk figures come from (the daemon sets statfs; retention may refine). */
  setDiskSource(source: () => DiskFigures | null): void;
}

export const noopMetrics: MetricsPort = {
  observeClip: () => undefined,
  observeStill: () => undefined,
  observeExport: () => undefined,
  retentionDeleted: () => undefined,
  retentionFailed: () => undefined,
  setDiskSource: () => undefined,
};
