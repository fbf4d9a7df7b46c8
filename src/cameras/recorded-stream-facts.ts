/**
 * Stream facts for a health card from what the recorder already wrote, instead of a second
 * RTSP session on the camera (cheap cameras limit sessions: Hikvision answers 453, and a
 * 10 s probe per camera beside the recorders made a 64-camera start-up take minutes).
 *
 * The source waits (bounded) for the camera's first segment closed since the check
 * began, and ffprobes that local file with the same packet reading as the RTSP probe
 * (stream-probe.ts). Segments are fragmented MP4 cut at keyframes, so a file holds whole
 * GOPs, and while the run goes on a closed file ends one frame before the next keyframe
 * (so even a single-GOP file gives the exact spacing). A run's last file ends anywhere:
 * with fewer than two keyframes it is kept only as a lower bound while the next segment
 * is awaited. What the file cannot tell comes from the run's stream info (ffmpeg's
 * description of its INPUT, stored by the indexer): the declared frame rate, and the
 * source audio codec — the recorder turns G.711 into AAC, the camera still sends G.711.
 *
 * The store is not imported here (data flows one way): the daemon hands in `latestSegment`.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Limiter } from '../core/limiter.js';
import { abortableSleep } from '../core/sleep.js';
import type { Spawner } from '../core/spawn.js';
import { ffprobePackets, streamFacts, type ProbeJson } from './stream-probe.js';
import type { StreamFacts } from './types.js';

/** A segment file the recorder closed, with what its run's stream info says. */
export interface RecordedSegmentRef {
  /** Absolute path of the segment file. */
  readonly file: string;
  readonly mediaDurationMs: number;
  /** Frame rate the camera's stream declared to the recorder's ffmpeg; null when unknown. */
  readonly declaredFps: number | null;
  /** Audio codec of the camera's stream (before the recorder's conversion); null without audio. */
  readonly sourceAudioCodec: string | null;
  /**
   * The segmenter cut the file because the next keyframe came (its run goes on), so the
   * file ends one frame before a keyframe. False for a run's last file, which ends anywhere.
   */
  readonly endsBeforeKeyframe: boolean;
}

/** The camera's newest segment whose close was observed at or after `sinceMs`, or null. */
export type LatestSegmentPort = (cameraId: string, sinceMs: number) => RecordedSegmentRef | null;

/** The port HealthChecker takes: facts from a recording, or null when none came in time. */
export type RecordedStreamFacts = (cameraId: string, sinceMs: number, signal: AbortSignal) => Promise<StreamFacts | null>;

export interface RecordedFactsDeps {
  readonly latestSegment: LatestSegmentPort;
  readonly spawner: Spawner;
  readonly ffprobePath: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long to wait for a usable segment (the daemon uses 2 segment lengths + 30 s). */
  readonly waitMs: number;
  /** How often the index is asked for a new segment. */
  readonly pollMs?: number;
  /** File probes at once (each ~100 ms of a core). */
  readonly fileProbes?: number;
}

const fileProbeTimeoutMs = 20_000;

export function recordedStreamFacts(deps: RecordedFactsDeps): RecordedStreamFacts {
  const pollMs = deps.pollMs ?? 1000;
  const limiter = new Limiter(deps.fileProbes ?? 4);
  const probe = async (ref: RecordedSegmentRef): Promise<StreamFacts> => {
    const json = await ffprobePackets(deps.spawner, deps.ffprobePath, [ref.file], fileProbeTimeoutMs);
    const facts = streamFacts(ref.endsBeforeKeyframe ? withNextKeyframe(json) : json, Math.round(ref.mediaDurationMs / 1000));
    return { ...facts, declaredFps: ref.declaredFps ?? facts.declaredFps, audioCodec: ref.sourceAudioCodec ?? facts.audioCodec };
  };
  return async (cameraId, sinceMs, signal) => {
    const deadlineMs = deps.clock.monotonicMs() + deps.waitMs;
    let best: StreamFacts | null = null;
    let probed: string | null = null;
    while (!signal.aborted) {
      const ref = deps.latestSegment(cameraId, sinceMs);
      if (ref !== null && ref.file !== probed) {
        probed = ref.file;
        const facts = await limiter.run(() => probe(ref)).catch((err: unknown) => {
          deps.log.warn({ camera: cameraId, err: (err as Error).message }, 'recorded segment not readable for the health card; waiting for the next');
          return null;
        });
        if (facts !== null && !facts.keyframeIntervalIsLowerBound) return facts;
        best = facts ?? best;
      }
      const leftMs = deadlineMs - deps.clock.monotonicMs();
      if (leftMs <= 0) break;
      await abortableSleep(Math.min(pollMs, leftMs), signal);
    }
    return best;
  };
}

/**
 * The keyframe that opens the next segment, one frame after the file's last video packet:
 * a file holding a single GOP (segment length = keyframe interval, common with 2 s
 * segments or long "smart codec" GOPs) then gives the exact spacing, not a lower bound.
 */
function withNextKeyframe(json: ProbeJson): ProbeJson {
  const video = json.streams?.find((s) => s.codec_type === 'video');
  const times = (json.packets ?? []).filter((p) => p.stream_index === video?.index).map((p) => Number(p.dts_time ?? p.pts_time)).filter(Number.isFinite);
  const [before, last] = times.slice(-2);
  if (before === undefined || last === undefined || last <= before) return json;
  const next = (2 * last - before).toFixed(6);
  return { ...json, packets: [...(json.packets ?? []), { stream_index: video!.index, dts_time: next, pts_time: next, flags: 'K_' }] };
}
