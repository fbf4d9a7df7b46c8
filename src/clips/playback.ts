/**
 * Browser playback: an HLS VOD playlist (version 7, fMP4) over the recorded segments,
 * played by hls.js with no transcoding. Each segment file is served as two resources:
 * its init (ftyp + moov) and its fragments ("media"), the latter with decode times moved
 * onto the wall clock (tfdt = the segment's start since the epoch), so consecutive files
 * of a run continue each other and a player needs a discontinuity only at a gap or a new
 * run. Playlist entries are byte ranges of the media resource, a few keyframe fragments
 * (~4-6 s) each, so playback starts and seeks without loading a whole 60 s file.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { toIso } from '../core/time.js';
import type { SegmentRow } from '../store/segments-repo.js';
import { buildInit, codecInfo, type CodecInfo } from './clip-init.js';
import { fragmentTimes, selectFragments, Timeline, type IndexedSegment, type Selection } from './clip-plan.js';
import type { SegmentIndexCache } from './index-cache.js';
import { mediaOriginMs, type RecordingsService } from './recordings.js';
import { virtualFile, type VirtualFile } from './virtual-file.js';

export interface PlaybackServiceDeps {
  readonly recordings: RecordingsService;
  readonly recordingsDir: string;
  readonly cache: SegmentIndexCache;
  readonly maxPlaylistMs: number;
  readonly log: Logger;
}

export interface Playlist {
  readonly text: string;
  readonly codec: CodecInfo;
  readonly entries: number;
  readonly discontinuities: number;
}

export interface SegmentResource {
  readonly file: VirtualFile;
  readonly etag: string;
}

/** Entries close at the first keyframe after this much media time. */
const partTargetSec = 4;

export class PlaybackService {
  constructor(private readonly deps: PlaybackServiceDeps) {}

  async playlist(cameraId: string, fromMs: number, toMs: number): Promise<Playlist> {
    if (toMs - fromMs > this.deps.maxPlaylistMs) {
      throw new NvrError('RANGE_TOO_LONG', `playlist from ${toIso(fromMs)} to ${toIso(toMs)} is longer than ${this.deps.maxPlaylistMs / 1000} s (clips.maxPlaylistSeconds)`);
    }
    const rows = this.deps.recordings.segmentsInRange(cameraId, fromMs, toMs);
    const indexed = (await Promise.all(rows.map((row) => this.indexed(row).catch(() => null)))).filter((s): s is IndexedSegment => s !== null);
    const selections = selectFragments(indexed, fromMs, toMs);
    const head = selections[0];
    if (!head) throw new NvrError('NOTHING_RECORDED', `camera '${cameraId}' has nothing recorded between ${toIso(fromMs)} and ${toIso(toMs)}`);
    const codec = codecInfo(head.seg.index);
    const writer = new PlaylistWriter(cameraId, fromMs, toMs, codec);
    let prev: Selection | null = null;
    for (const sel of selections) {
      writer.add(sel, prev);
      prev = sel;
    }
    return { text: writer.finish(), codec, entries: writer.entries, discontinuities: writer.discontinuities };
  }

  /** The init or the media resource of one segment of the camera. */
  async segment(cameraId: string, runId: number, seq: number, kind: 'init' | 'media'): Promise<SegmentResource> {
    const row = this.deps.recordings.segmentBySeq(cameraId, runId, seq);
    if (!row) throw new NvrError('NOT_FOUND', `camera '${cameraId}' has no segment ${runId}-${seq}`);
    const seg = await this.indexed(row).catch((err: unknown) => {
      throw new NvrError('NOT_FOUND', `segment ${runId}-${seq} of camera '${cameraId}' cannot be read: ${(err as Error).message}`);
    });
    const etag = createHash('sha256').update(`hls-v1\n${kind}\n${row.relPath}\n${seg.index.sizeBytes}\n${row.startMs}`).digest('base64url').slice(0, 32);
    if (kind === 'init') return { file: virtualFile([{ kind: 'memory', data: buildInit(seg.index, 0) }]), etag: `"${etag}"` };
    const frags = seg.index.fragments;
    if (frags.length === 0) throw new NvrError('NOT_FOUND', `segment ${runId}-${seq} of camera '${cameraId}' holds no fragment`);
    const all: Selection = { seg, first: 0, last: frags.length - 1, fromMs: row.startMs, toMs: row.endMs };
    const parts = wallClockTimeline(row).place(all) ?? hourTimeline(row).place(all);
    if (!parts) throw new NvrError('INTERNAL', `segment ${row.relPath}: decode times do not fit its tfdt boxes`);
    return { file: virtualFile(parts), etag: `"${etag}"` };
  }

  private async indexed(row: SegmentRow): Promise<IndexedSegment> {
    const absPath = path.join(this.deps.recordingsDir, row.relPath);
    return { row, absPath, index: await this.deps.cache.get(absPath) };
  }
}

/** Media time = seconds since the epoch (64-bit tfdt): files of a run continue each other. */
function wallClockTimeline(row: SegmentRow): Timeline {
  return new Timeline(mediaOriginMs(row) / 1000);
}

/** For 32-bit tfdt boxes: seconds since the start of the hour (a player sees a jump each hour). */
function hourTimeline(row: SegmentRow): Timeline {
  return new Timeline((mediaOriginMs(row) % 3_600_000) / 1000);
}

class PlaylistWriter {
  entries = 0;
  discontinuities = 0;
  private readonly body: string[] = [];
  private maxSec = 1;
  private signature: string | null = null;

  constructor(private readonly cameraId: string, private readonly fromMs: number, private readonly toMs: number, private readonly codec: CodecInfo) {}

  add(sel: Selection, prev: Selection | null): void {
    const { row, index } = sel.seg;
    const continues = prev !== null && prev.seg.row.runId === row.runId && prev.seg.row.endMs === row.startMs
      && prev.last === prev.seg.index.fragments.length - 1 && sel.first === 0;
    if (prev && !continues) {
      this.body.push('#EXT-X-DISCONTINUITY');
      this.discontinuities += 1;
    }
    const uri = `segments/${row.runId}-${row.seq}`;
    // The byte range is redundant for a whole resource, but ffmpeg's HLS client otherwise
    // asks for the init with the previous segment's range and waits for bytes that never come.
    const initBytes = index.ftyp.length + index.moov.length;
    if (!continues || index.signature !== this.signature) this.body.push(`#EXT-X-MAP:URI="${uri}/init.mp4",BYTERANGE="${initBytes}@0"`);
    this.signature = index.signature;
    const { startMs } = fragmentTimes(sel.seg);
    const base = index.fragments[0]!.offset;
    for (const [first, last] of groupParts(sel)) {
      const from = index.fragments[first]!;
      const to = index.fragments[last]!;
      const sec = mediaSeconds(sel.seg, first, last);
      this.maxSec = Math.max(this.maxSec, sec);
      this.body.push(`#EXT-X-PROGRAM-DATE-TIME:${toIso(Math.round(startMs[first]!))}`, `#EXTINF:${sec.toFixed(3)},`,
        `#EXT-X-BYTERANGE:${to.end - from.offset}@${from.offset - base}`, `${uri}/media.m4s`);
      this.entries += 1;
    }
  }

  finish(): string {
    const head = [
      '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-PLAYLIST-TYPE:VOD', `#EXT-X-TARGETDURATION:${Math.ceil(this.maxSec)}`,
      '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS',
      `# camera ${this.cameraId}, ${toIso(this.fromMs)} to ${toIso(this.toMs)}; codecs ${this.codec.codecs}`,
    ];
    if (!this.codec.browserPlayable) head.push(`# codec ${this.codec.video ?? '?'} (H.265) does not play in common browsers (Chrome, Firefox); use Safari or download the clip`);
    return `${[...head, ...this.body, '#EXT-X-ENDLIST'].join('\n')}\n`;
  }
}

/** [first, last] fragment groups of ~partTargetSec, each starting on a keyframe. */
function groupParts(sel: Selection): [number, number][] {
  const out: [number, number][] = [];
  let start = sel.first;
  for (let i = sel.first + 1; i <= sel.last; i++) {
    const frag = sel.seg.index.fragments[i]!;
    if (frag.key && mediaSeconds(sel.seg, start, i - 1) >= partTargetSec) {
      out.push([start, i - 1]);
      start = i;
    }
  }
  out.push([start, sel.last]);
  return out;
}

/** Media length of fragments [first, last] on the main track, in seconds. */
function mediaSeconds(seg: IndexedSegment, first: number, last: number): number {
  const { index } = seg;
  const ts = index.tracks.find((t) => t.trackId === index.mainTrackId)?.timescale ?? 1;
  let ticks = 0;
  for (let i = first; i <= last; i++) ticks += index.fragments[i]!.trafs.find((t) => t.trackId === index.mainTrackId)?.durationTicks ?? 0;
  return ticks / ts;
}
