/**
 * Schema version 5: observations of the box's clock-sync state (src/system/clock-monitor.ts).
 * The SQL below is the documented copy (a comment on every column); migrations.ts runs it.
 */
export const schemaV5Sql = `-- Schema version 5: what the box knew about its own clock, and when.
--
-- One row at every daemon start, at every change of the sync state, and at least hourly
-- while it stays the same. The state in force at an instant t is the latest row with
-- observed_ms <= t; an export states it (and every change inside its range) next to its
-- footage, so nobody has to take the box's timestamps on trust.
CREATE TABLE clock_observations (
  -- Row id.
  id INTEGER PRIMARY KEY,
  -- Wall time of the check, by the clock being judged (epoch ms UTC).
  observed_ms INTEGER NOT NULL,
  -- 'synchronized' (NTP says the clock is disciplined), 'unsynchronized', or 'unknown'
  -- (no time service answered: a container, or no timedatectl / chronyc).
  status TEXT NOT NULL CHECK (status IN ('synchronized', 'unsynchronized', 'unknown')),
  -- Box clock minus the time reference, in microseconds (positive: the box is ahead);
  -- NULL when the source does not report it. Microseconds: NTP offsets are often < 1 ms.
  offset_us INTEGER,
  -- Which tool answered: 'chronyc', 'timedatectl', or 'none'.
  source TEXT NOT NULL CHECK (source IN ('chronyc', 'timedatectl', 'none')),
  -- What the tool said in words (server, leap status, why unknown); never a secret.
  detail TEXT,
  -- 1 when the daemon held its recorders because the clock was before its build date
  -- (nothing was recorded under this observation), else 0.
  recording_held INTEGER NOT NULL DEFAULT 0 CHECK (recording_held IN (0, 1))
) STRICT;

-- The state in force at t: the last row at or before t.
CREATE INDEX clock_observations_observed ON clock_observations (observed_ms);
`;
