/**
 * Integrity at rest as the daemon wires it: the sealer (hash at close, chained per
 * camera) and the background check, with its health findings. Start after the recorders;
 * close the check before the recorders stop and the sealer after (it seals their last
 * segments), both before the store closes.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/db.js';
import { SegmentSealer } from './sealer.js';
import { BackgroundVerifier } from './verifier.js';

export interface IntegritySettings {
  readonly hashOnClose: boolean;
  readonly verifyBytesPerSecond: number;
  readonly chainCheckSeconds: number;
  readonly reverifyHours: number;
}

export interface Integrity {
  readonly sealer: SegmentSealer;
  readonly verifier: BackgroundVerifier;
  /** For IndexerDeps.onSegmentIndexed; null when hashing at close is off. */
  readonly onSegmentIndexed: ((ref: { relPath: string }) => void) | null;
}

export function createIntegrity(deps: { store: Store; recordingsDir: string; clock: Clock; log: Logger; settings: IntegritySettings }): Integrity {
  const { store, recordingsDir, clock, log, settings } = deps;
  const sealer = new SegmentSealer({ store, recordingsDir, clock, log });
  const verifier = new BackgroundVerifier({
    store, recordingsDir, clock, log, sealer,
    settings: {
      bytesPerSecond: settings.verifyBytesPerSecond,
      chainCheckIntervalMs: settings.chainCheckSeconds * 1000,
      reverifyAfterMs: settings.reverifyHours * 3_600_000,
      idleMs: 5000,
    },
  });
  const onSegmentIndexed = settings.hashOnClose ? (ref: { relPath: string }) => sealer.segmentIndexed(ref) : null;
  return { sealer, verifier, onSegmentIndexed };
}
