/** Observations of the box's clock-sync state (schema v5, src/store/schema-clock.ts). */
import type BetterSqlite3 from 'better-sqlite3';

export interface ClockObservationRow {
  readonly observedMs: number;
  readonly status: 'synchronized' | 'unsynchronized' | 'unknown';
  /** Box clock minus the reference, microseconds; null when not reported. */
  readonly offsetUs: number | null;
  readonly source: 'chronyc' | 'timedatectl' | 'none';
  readonly detail: string | null;
  /** The daemon held its recorders (clock before the build date) under this observation. */
  readonly recordingHeld: boolean;
}

const columns = `observed_ms AS observedMs, status, offset_us AS offsetUs, source, detail, recording_held AS recordingHeld`;
type Raw = Omit<ClockObservationRow, 'recordingHeld'> & { recordingHeld: number };
const fromRaw = (r: Raw): ClockObservationRow => ({ ...r, recordingHeld: r.recordingHeld === 1 });

export class ClockRepo {
  private readonly insertStmt;
  private readonly inForceStmt;
  private readonly latestStmt;

  constructor(db: BetterSqlite3.Database) {
    this.insertStmt = db.prepare<Raw>(
      `INSERT INTO clock_observations (observed_ms, status, offset_us, source, detail, recording_held)
       VALUES (@observedMs, @status, @offsetUs, @source, @detail, @recordingHeld)`,
    );
    // The row in force at @fromMs (the last one before it) and every row inside the range.
    this.inForceStmt = db.prepare<{ fromMs: number; toMs: number }, Raw>(
      `SELECT ${columns} FROM clock_observations
       WHERE observed_ms >= (SELECT coalesce(max(observed_ms), -1) FROM clock_observations WHERE observed_ms <= @fromMs)
         AND observed_ms < @toMs
       ORDER BY observed_ms, id`,
    );
    this.latestStmt = db.prepare<[], Raw>(`SELECT ${columns} FROM clock_observations ORDER BY observed_ms DESC, id DESC LIMIT 1`);
  }

  insert(o: ClockObservationRow): void {
    this.insertStmt.run({ ...o, offsetUs: o.offsetUs === null ? null : Math.round(o.offsetUs), recordingHeld: o.recordingHeld ? 1 : 0 });
  }

  /** What an export of [fromMs, toMs) states: the observation in force at its start and every later one in range. */
  inForce(fromMs: number, toMs: number): ClockObservationRow[] {
    return this.inForceStmt.all({ fromMs, toMs }).map(fromRaw);
  }

  latest(): ClockObservationRow | null {
    const row = this.latestStmt.get();
    return row ? fromRaw(row) : null;
  }
}
