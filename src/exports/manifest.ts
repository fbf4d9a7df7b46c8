/**
 * The manifest of an export package (format nvr-export/1): what the box signs. Everything
 * an investigator must be able to defend is here, in both UTC and Vietnam time: the box
 * and its key, each camera's identity and clock offset, requested and actual ranges, the
 * source segments with their sealed hashes and chain links, the gaps, the box's clock
 * sync state, who exported, the case and the reason, and the SHA-256 of every file.
 * tools/verify-export.mjs reads exactly this shape.
 */
import { toIso, toVietnamIso } from '../core/time.js';
import type { ClockObservationRow } from '../store/clock-repo.js';
import type { SegmentSeal } from '../store/integrity-repo.js';

export const packageFormat = 'nvr-export/1';

export interface Instant {
  readonly ms: number;
  readonly utc: string;
  readonly vietnam: string;
}

export const instant = (ms: number): Instant => ({ ms, utc: toIso(ms), vietnam: toVietnamIso(ms) });

export interface Span {
  readonly from: Instant;
  readonly to: Instant;
}

export const spanOf = (fromMs: number, toMs: number): Span => ({ from: instant(fromMs), to: instant(toMs) });

/** What the box knows of a camera beyond its id and name (ONVIF; null when unknown). */
export interface CameraFacts {
  readonly id: string;
  readonly name: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly serialNumber: string | null;
  readonly firmwareVersion: string | null;
  /** Camera clock minus box clock, when it was last read over ONVIF. */
  readonly clockOffsetMs: number | null;
  readonly clockOffsetCheckedMs: number | null;
}

/** 'ok': the file was re-read at export and matches its seal; otherwise what was found. */
export type SegmentCheck = 'ok' | 'unsealed' | 'hash-mismatch' | 'size-mismatch' | 'missing-file' | 'unreadable';

/** A source segment as its row is sealed, with its times in words and how it checked at export. */
export type ManifestSegment = Pick<SegmentSeal, 'relPath' | 'startMs' | 'endMs' | 'sizeBytes' | 'recovered' | 'sha256' | 'chainSeq' | 'chainPrev' | 'chain'> & {
  readonly start: string;
  readonly end: string;
  readonly check: SegmentCheck;
};

export interface ManifestCamera {
  readonly id: string;
  readonly name: string;
  readonly onvif: { manufacturer: string | null; model: string | null; serialNumber: string | null; firmwareVersion: string | null };
  readonly clockOffset: { ms: number | null; checkedAt: Instant | null; meaning: string };
  readonly requested: Span;
  /** What the clip covers (keyframe before `from` to the fragment covering `to`); null without footage. */
  readonly actual: Span | null;
  readonly durationMs: number;
  readonly clip: string | null;
  readonly clipMethod: 'join' | 'ffmpeg' | null;
  readonly gaps: readonly { from: Instant; to: Instant; reason: string }[];
  readonly segments: readonly ManifestSegment[];
}

export interface ManifestFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly format: typeof packageFormat;
  readonly exportId: number;
  readonly createdAt: Instant;
  readonly software: { name: string; version: string };
  readonly box: { id: string; hostname: string; algorithm: 'Ed25519'; publicKey: string; fingerprint: string };
  readonly request: {
    readonly cameras: readonly string[];
    readonly range: Span;
    readonly caseNumber: string;
    readonly reason: string;
    readonly exportedBy: string;
    readonly address: string;
    readonly requestedAt: Instant;
  };
  readonly clock: {
    /** The box's sync state now, when the package was made. */
    readonly atExport: ClockStateEntry | null;
    /** The state in force at the start of the range and every change inside it. */
    readonly duringRange: readonly ClockStateEntry[];
  };
  readonly cameras: readonly ManifestCamera[];
  readonly warnings: readonly string[];
  readonly files: readonly ManifestFile[];
  readonly signature: { algorithm: 'Ed25519'; file: 'manifest.sig'; over: string };
}

export interface ClockStateEntry {
  readonly observedAt: Instant;
  readonly status: string;
  readonly offsetUs: number | null;
  readonly source: string;
  readonly detail: string | null;
}

export function clockEntry(o: ClockObservationRow): ClockStateEntry {
  return { observedAt: instant(o.observedMs), status: o.status, offsetUs: o.offsetUs, source: o.source, detail: o.detail };
}

/** Warnings a reader must not miss: altered or unsealed sources, gaps, an unsynchronised clock. */
export function manifestWarnings(cameras: readonly ManifestCamera[], clock: Manifest['clock']): string[] {
  const out: string[] = [];
  for (const c of cameras) {
    const bad = c.segments.filter((s) => s.check !== 'ok');
    for (const s of bad) out.push(`camera ${c.id}: source segment ${s.relPath} ${s.check === 'unsealed' ? 'was never sealed' : `failed its check at export (${s.check})`}`);
    if (c.clip === null) out.push(`camera ${c.id}: nothing recorded in the requested range`);
    else if (c.gaps.length > 0) out.push(`camera ${c.id}: ${c.gaps.length} gap(s) in the requested range (listed under gaps)`);
  }
  const states = [...clock.duringRange, ...(clock.atExport ? [clock.atExport] : [])];
  if (states.some((s) => s.status !== 'synchronized')) out.push('the box clock was not confirmed synchronised for the whole range (see clock)');
  return out;
}
