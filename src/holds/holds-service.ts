/**
 * Evidence holds: cameras × [from, to) that retention never deletes while the hold is
 * active (not released and not past its `until`). Validates what the api passes through
 * and names the field and the value in every refusal. Holds are never deleted: a release
 * is recorded with who and when, so the history stays part of the evidence record.
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import { parseTimeParam, toIso } from '../core/time.js';
import { cameraIdPattern } from '../config/schema.js';
import type { Store } from '../store/db.js';
import type { HoldRow } from '../store/holds-repo.js';

export interface HoldRequest {
  cameras?: unknown;
  from?: unknown;
  to?: unknown;
  caseNumber?: unknown;
  reason?: unknown;
  until?: unknown;
}

export interface HoldView extends HoldRow {
  /** Not released and not lapsed now. */
  readonly active: boolean;
  /** Footage the hold covers now (segments and bytes still on disk). */
  readonly segments: number;
  readonly bytes: number;
}

export interface HoldsDeps {
  readonly store: Store;
  readonly clock: Clock;
}

const cameraId = new RegExp(cameraIdPattern);
const maxCameras = 64;

export class HoldsService {
  constructor(private readonly deps: HoldsDeps) {}

  create(req: HoldRequest, actor: string): HoldView {
    const nowMs = this.deps.clock.nowMs();
    const fromMs = parseTimeParam('from', req.from);
    const toMs = parseTimeParam('to', req.to);
    if (fromMs >= toMs) throw new NvrError('INVALID_RANGE', `from (${toIso(fromMs)}) must be before to (${toIso(toMs)})`);
    const caseNumber = requiredText('caseNumber', req.caseNumber, 100, 'the case file number the footage is held for');
    const reason = requiredText('reason', req.reason, 1000, 'why the footage is held');
    const untilMs = this.parseUntil(req.until, nowMs);
    const cameraIds = this.knownCameras(req.cameras);
    const row = writing(() => this.deps.store.holds.create({ cameraIds, caseNumber, reason, fromMs, toMs, untilMs, createdBy: actor, nowMs }));
    return this.view(row, nowMs);
  }

  list(activeOnly: boolean): HoldView[] {
    const nowMs = this.deps.clock.nowMs();
    return this.deps.store.holds.list(activeOnly ? nowMs : undefined).map((h) => this.view(h, nowMs));
  }

  get(id: number): HoldView {
    return this.view(this.require(id), this.deps.clock.nowMs());
  }

  /** Keep the hold longer (`until` later, or null for "until released"); never shorter. */
  extend(id: number, until: unknown): HoldView {
    const nowMs = this.deps.clock.nowMs();
    const hold = this.require(id);
    if (hold.releasedMs !== null) throw new NvrError('CONFLICT', `hold ${id} was released by ${hold.releasedBy} at ${toIso(hold.releasedMs)}; create a new hold`);
    if (until === undefined) throw new NvrError('BAD_REQUEST', 'until is required: a later time (ISO-8601 or epoch ms), or null to hold until released');
    const untilMs = this.parseUntil(until, nowMs);
    if (hold.untilMs === null && untilMs !== null) {
      throw new NvrError('BAD_REQUEST', `until='${toIso(untilMs)}' would shorten hold ${id}, which lasts until released; release it instead`);
    }
    if (hold.untilMs !== null && untilMs !== null && untilMs <= hold.untilMs) {
      throw new NvrError('BAD_REQUEST', `until='${toIso(untilMs)}' must be after the hold's current end ${toIso(hold.untilMs)}; release it to end it early`);
    }
    writing(() => this.deps.store.holds.setUntil(id, untilMs, nowMs));
    return this.get(id);
  }

  release(id: number, actor: string): HoldView {
    const hold = this.require(id);
    if (hold.releasedMs !== null) throw new NvrError('CONFLICT', `hold ${id} was already released by ${hold.releasedBy} at ${toIso(hold.releasedMs)}`);
    writing(() => this.deps.store.holds.release(id, actor, this.deps.clock.nowMs()));
    return this.get(id);
  }

  private require(id: number): HoldRow {
    const hold = this.deps.store.holds.get(id);
    if (!hold) throw new NvrError('NOT_FOUND', `hold ${id} does not exist`);
    return hold;
  }

  private parseUntil(raw: unknown, nowMs: number): number | null {
    if (raw === undefined || raw === null) return null;
    const untilMs = parseTimeParam('until', raw);
    if (untilMs <= nowMs) throw new NvrError('BAD_REQUEST', `until='${toIso(untilMs)}' is in the past; leave it out to hold until released`);
    return untilMs;
  }

  /** Cameras the index knows (configured ones, and removed ones whose footage is still here). */
  private knownCameras(raw: unknown): string[] {
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new NvrError('BAD_REQUEST', 'cameras is required: a non-empty list of camera ids, e.g. ["cong-chinh"]');
    }
    if (raw.length > maxCameras) throw new NvrError('BAD_REQUEST', `cameras lists ${raw.length} ids; at most ${maxCameras}`);
    const ids = raw.map((id, i) => {
      if (typeof id !== 'string' || !cameraId.test(id)) {
        throw new NvrError('INVALID_ID', `cameras[${i}]='${String(id).slice(0, 64)}' is not a camera id: use 1-63 lower-case letters, digits, '-' or '_'`);
      }
      if (!this.deps.store.cameras.get(id)) throw new NvrError('CAMERA_NOT_FOUND', `cameras[${i}]: camera '${id}' does not exist`);
      return id;
    });
    return [...new Set(ids)];
  }

  private view(row: HoldRow, nowMs: number): HoldView {
    const active = row.releasedMs === null && (row.untilMs === null || row.untilMs > nowMs);
    return { ...row, active, ...this.deps.store.holds.usageOf(row.id) };
  }
}

function requiredText(field: string, raw: unknown, max: number, what: string): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') throw new NvrError('BAD_REQUEST', `${field} is required: ${what}`);
  if (text.length > max) throw new NvrError('BAD_REQUEST', `${field} is ${text.length} characters long; at most ${max}`);
  return text;
}

/** A full disk refuses the write (SQLITE_FULL): say so as 503, not as an internal error. */
function writing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SQLITE_FULL') {
      throw new NvrError('UNAVAILABLE', 'the disk is full and the hold could not be recorded; retry once retention has freed space');
    }
    throw err;
  }
}
