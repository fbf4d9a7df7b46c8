/**
 * Which fragments of which segment files make a clip of [from, to), and the recipe that
 * joins them into one fragmented MP4: one init, then the recorded moof+mdat pairs with
 * their decode times (tfdt) shifted so the timeline runs on across segment and run
 * boundaries, and their sequence numbers renumbered 1, 2, 3... Gaps are not kept as
 * holes in the timeline (players stall on them); they are stated beside the clip.
 *
 * Cut points: a clip starts at the keyframe at or before `from` (every fragment starts
 * on a keyframe) and ends with the fragment that covers `to`, so it may hold up to one
 * GOP more at each end than asked for. Nothing is decoded or re-encoded.
 */
import type { SegmentRow } from '../store/segments-repo.js';
import { buildInit } from './clip-init.js';
import type { FragmentInfo, SegmentIndex } from './fragment-index.js';
import { uintBytes } from './mp4-boxes.js';
import { mediaOriginMs } from './recordings.js';
import { virtualFile, type Part, type Patch, type VirtualFile } from './virtual-file.js';

export interface IndexedSegment {
  readonly row: SegmentRow;
  readonly absPath: string;
  readonly index: SegmentIndex;
}

/** Fragments [first, last] of one segment, and the wall times they cover. */
export interface Selection {
  readonly seg: IndexedSegment;
  readonly first: number;
  readonly last: number;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Wall start (ms, fractional) and length of every fragment of a segment. */
export function fragmentTimes(seg: IndexedSegment): { startMs: number[]; durationMs: number[] } {
  const { row, index } = seg;
  const ts = index.tracks.find((t) => t.trackId === index.mainTrackId)?.timescale ?? 1;
  const origin = mediaOriginMs(row);
  const startMs: number[] = [];
  const durationMs: number[] = [];
  // A fragment without the main track (audio left over at a cut) sits where the last ended.
  let mainEnd = origin;
  for (const f of index.fragments) {
    const main = f.trafs.find((t) => t.trackId === index.mainTrackId);
    const start = main ? origin + (main.decodeTime / ts) * 1000 : mainEnd;
    const duration = main ? (main.durationTicks / ts) * 1000 : 0;
    startMs.push(start);
    durationMs.push(duration);
    mainEnd = Math.max(mainEnd, start + duration);
  }
  return { startMs, durationMs };
}

/** The fragments of each segment that a clip of [fromMs, toMs) needs, in order. */
export function selectFragments(segs: readonly IndexedSegment[], fromMs: number, toMs: number): Selection[] {
  const out: Selection[] = [];
  for (const seg of segs) {
    const { startMs, durationMs } = fragmentTimes(seg);
    const frags = seg.index.fragments;
    const keys = frags.map((f, i) => (f.key ? i : -1)).filter((i) => i >= 0);
    // The first piece starts at the keyframe at or before `from`; later ones at their first keyframe.
    const first = out.length === 0
      ? keys.filter((i) => startMs[i]! <= fromMs).at(-1) ?? keys[0]
      : keys[0];
    let last = -1;
    for (let i = frags.length - 1; i >= 0; i--) if (startMs[i]! < toMs) { last = i; break; }
    if (first === undefined || last < first) continue;
    let end = startMs[first]!;
    for (let i = first; i <= last; i++) end = Math.max(end, startMs[i]! + durationMs[i]!);
    out.push({ seg, first, last, fromMs: Math.round(startMs[first]!), toMs: Math.round(end) });
  }
  return out;
}

export type JoinResult =
  | { readonly ok: true; readonly file: VirtualFile; readonly durationSec: number }
  | { readonly ok: false; readonly reason: string };

/** The joined file, or why the bytes cannot simply be joined (then ffmpeg concatenates). */
export function joinSelections(selections: readonly Selection[]): JoinResult {
  const head = selections[0];
  if (!head) return { ok: false, reason: 'nothing selected' };
  const signature = head.seg.index.signature;
  const odd = selections.find((s) => s.seg.index.signature !== signature);
  if (odd) return { ok: false, reason: `codec parameters or tracks change at ${odd.seg.row.relPath}` };
  const fixed = selections.find((s) => !s.seg.index.movable);
  if (fixed) return { ok: false, reason: `${fixed.seg.row.relPath} uses absolute data offsets` };

  const timeline = Timeline.forClip(head);
  const pieces: Part[][] = [];
  for (const sel of selections) {
    const parts = timeline.place(sel);
    if (!parts) return { ok: false, reason: `decode times overflow 32-bit tfdt in ${sel.seg.row.relPath}` };
    pieces.push(parts);
  }
  const init = buildInit(head.seg.index, timeline.cursorSec);
  return { ok: true, file: virtualFile([{ kind: 'memory', data: init }, ...pieces.flat()]), durationSec: timeline.cursorSec };
}

/** Lays selections end to end on one output timeline and renumbers fragments. */
export class Timeline {
  private seq = 1;

  /** `cursorSec`: output time (seconds, main track) where the next selection starts. */
  constructor(public cursorSec: number) {}

  /**
   * A clip's timeline starts at 0, unless another track starts before the main one in
   * the first fragment: then everything moves right by that much (tfdt is unsigned).
   */
  static forClip(head: Selection): Timeline {
    const { index } = head.seg;
    const frag = index.fragments[head.first]!;
    const secs = frag.trafs.map((t) => t.decodeTime / timescaleOf(index, t.trackId));
    const mainSec = mainStartSec(index, frag) ?? 0;
    return new Timeline(Math.max(0, mainSec - Math.min(mainSec, ...secs)));
  }

  /** The file parts of a selection with its patches, or null when a tfdt would overflow. */
  place(sel: Selection): Part[] | null {
    const { index } = sel.seg;
    const frags = index.fragments.slice(sel.first, sel.last + 1);
    const originSec = mainStartSec(index, frags[0]!) ?? 0;
    const parts: Part[] = [];
    let current: { start: number; end: number; patches: Patch[] } | null = null;
    for (const f of frags) {
      if (!current || current.end !== f.offset) {
        if (current) parts.push(filePart(sel.seg.absPath, current));
        current = { start: f.offset, end: f.offset, patches: [] };
      }
      const base = current.start;
      current.patches.push({ at: f.seqAt - base, bytes: uintBytes(this.seq++, 4) });
      for (const traf of f.trafs) {
        const ts = timescaleOf(index, traf.trackId);
        const value = traf.decodeTime + Math.round((this.cursorSec - originSec) * ts);
        if (value < 0 || (traf.tfdtBytes === 4 && value > 0xffffffff)) return null;
        current.patches.push({ at: traf.tfdtAt - base, bytes: uintBytes(value, traf.tfdtBytes) });
      }
      current.end = f.end;
    }
    if (current) parts.push(filePart(sel.seg.absPath, current));
    this.cursorSec += Math.max(0, mainEndSec(index, frags) - originSec);
    return parts;
  }
}

function mainStartSec(index: SegmentIndex, frag: FragmentInfo): number | null {
  const main = frag.trafs.find((t) => t.trackId === index.mainTrackId);
  return main ? main.decodeTime / timescaleOf(index, main.trackId) : null;
}

/** Where the main track of these fragments ends (seconds of the file's timeline). */
function mainEndSec(index: SegmentIndex, frags: readonly FragmentInfo[]): number {
  let end = 0;
  for (const f of frags) {
    const main = f.trafs.find((t) => t.trackId === index.mainTrackId);
    if (main) end = Math.max(end, (main.decodeTime + main.durationTicks) / timescaleOf(index, main.trackId));
  }
  return end;
}

function filePart(absPath: string, r: { start: number; end: number; patches: Patch[] }): Part {
  return { kind: 'file', absPath, start: r.start, end: r.end, patches: r.patches };
}

function timescaleOf(index: SegmentIndex, trackId: number): number {
  return index.tracks.find((t) => t.trackId === trackId)?.timescale ?? 1;
}
