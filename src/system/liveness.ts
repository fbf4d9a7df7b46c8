/**
 * Are the recorders being supervised? This is what feeds systemd's watchdog, so a daemon
 * whose event loop runs but whose supervision has wedged gets restarted, while a camera
 * that is merely offline does not restart the whole box.
 *
 * A camera is live when something observable about its recorder changed recently: ffmpeg's
 * output time advanced (progress), its state changed, or it was restarted. A recording
 * camera makes progress every second; a failing one is restarted at least every
 * stall timeout + stop timeout + the longest backoff. 'failed' (the hourly restart budget
 * is spent: a deliberate wait), 'disabled', 'stopped' (not started, or held by the clock
 * guard) and 'paused' (retention: the disk holds only protected footage) are exempt.
 * No enabled camera at all is live: there is nothing to prove.
 */
import type { RecorderState, RecorderStatus } from '../core/types.js';
import type { RecorderCounters } from '../recorder/camera-recorder.js';

export interface LivenessVerdict {
  alive: boolean;
  /** Cameras whose supervision shows no sign of life for longer than the limit. */
  stuck: { cameraId: string; state: string; quietMs: number }[];
}

/** Quiet on purpose: a restart budget spent, switched off, not started / held, paused by retention. */
const exempt = new Set<RecorderState>(['failed', 'disabled', 'stopped', 'paused']);

export class RecorderLiveness {
  private readonly seen = new Map<string, { signature: string; changedMono: number }>();

  /** @param stuckAfterMs quiet time after which a camera's supervision counts as wedged. */
  constructor(private readonly stuckAfterMs: number) {}

  observe(nowMono: number, statuses: readonly RecorderStatus[], counters: readonly RecorderCounters[]): LivenessVerdict {
    const progress = new Map(counters.map((c) => [c.cameraId, c.progressTotal]));
    const stuck: LivenessVerdict['stuck'] = [];
    for (const s of statuses) {
      const signature = `${s.state}|${s.restarts}|${progress.get(s.cameraId) ?? 0}`;
      const prev = this.seen.get(s.cameraId);
      if (!prev || prev.signature !== signature) {
        this.seen.set(s.cameraId, { signature, changedMono: nowMono });
        continue;
      }
      const quietMs = nowMono - prev.changedMono;
      if (!exempt.has(s.state) && quietMs > this.stuckAfterMs) stuck.push({ cameraId: s.cameraId, state: s.state, quietMs });
    }
    return { alive: stuck.length === 0, stuck };
  }
}

/**
 * The longest a healthy supervisor stays quiet: a connect that hangs until the stall
 * timeout, the stop that follows, then the longest backoff; plus 10 s of slack.
 */
export function stuckAfterMs(r: { stallTimeoutMs: number; stopTimeoutMs: number; restartBackoffMaxMs: number }): number {
  return r.stallTimeoutMs + r.stopTimeoutMs + r.restartBackoffMaxMs + 10_000;
}
