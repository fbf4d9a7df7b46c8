/**
 * Schema version 3: evidence holds and crash-safe deletion (the retention module).
 * The SQL below is the documented copy (a comment on every column); migrations.ts runs it.
 */
export const schemaV3Sql = `-- Schema version 3: evidence holds, crash-safe deletion, per-camera totals.
--
-- Deletion order (docs/design.md, "Deletion order"): segment rows move to garbage in one
-- transaction, then their files are unlinked, then the garbage rows are dropped. A crash
-- at any point leaves either a segment row with its file, or a garbage row whose file may
-- or may not still exist; start-up finishes the garbage before reconciling files and rows.

-- An evidence hold: footage of its cameras overlapping [from_ms, to_ms) is never deleted
-- by age, quota or disk pressure while the hold is active.
CREATE TABLE holds (
  -- Row id; shown to officers as the hold number.
  id INTEGER PRIMARY KEY,
  -- Case file number the footage is held for; a hold without a case is not evidence.
  case_number TEXT NOT NULL CHECK (length(case_number) BETWEEN 1 AND 100),
  -- Why the footage is held (free text from the investigator).
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  -- Start of the held footage (wall time, inclusive).
  from_ms INTEGER NOT NULL,
  -- End of the held footage (wall time, exclusive).
  to_ms INTEGER NOT NULL,
  -- When the hold lapses by itself; NULL = held until released.
  until_ms INTEGER,
  -- When the hold was created.
  created_ms INTEGER NOT NULL,
  -- Who created it (user or token name from the audit trail).
  created_by TEXT NOT NULL,
  -- Last change (creation, extension or release).
  updated_ms INTEGER NOT NULL,
  -- When it was released by hand; NULL while not released. Rows are never deleted:
  -- the history of holds is part of the evidence record.
  released_ms INTEGER,
  -- Who released it; NULL while not released.
  released_by TEXT,
  CHECK (to_ms > from_ms),
  CHECK ((released_ms IS NULL) = (released_by IS NULL))
) STRICT;

-- The cameras of a hold (one hold may span several cameras).
CREATE TABLE hold_cameras (
  -- Camera whose footage is held; first in the key so "holds of this camera" is a range.
  camera_id TEXT NOT NULL REFERENCES cameras (id),
  -- The hold.
  hold_id INTEGER NOT NULL REFERENCES holds (id),
  PRIMARY KEY (camera_id, hold_id)
) STRICT, WITHOUT ROWID;

-- Segments being deleted: moved here from segments in the same transaction that removes
-- their rows; a row here means "this file may still exist and must go". Dropped once the
-- file is unlinked (or found missing). Failed unlinks stay, counted, and are retried.
CREATE TABLE garbage (
  -- Row id.
  id INTEGER PRIMARY KEY,
  -- Camera of the deleted segment (no foreign key: the camera may leave later).
  camera_id TEXT NOT NULL,
  -- Path of the file relative to the recordings root; unique like segments.rel_path.
  rel_path TEXT NOT NULL UNIQUE,
  -- Start of the deleted footage (wall time), for the log.
  start_ms INTEGER NOT NULL,
  -- End of the deleted footage (wall time), for the log.
  end_ms INTEGER NOT NULL,
  -- Size of the file as indexed; what the deletion is expected to free.
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  -- Which rule deleted it: age, quota (per-camera bytes) or pressure (free space).
  reason TEXT NOT NULL CHECK (reason IN ('age', 'quota', 'pressure')),
  -- When the row moved here.
  collected_ms INTEGER NOT NULL,
  -- Failed unlink attempts so far (0 until one fails).
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- The last unlink error (errno code and message); NULL until one fails.
  last_error TEXT
) STRICT;

-- Footage per camera, kept by the triggers below in the same transaction as every
-- segment insert and delete, so retention and health read it without a table scan.
CREATE TABLE segment_totals (
  -- Camera.
  camera_id TEXT PRIMARY KEY REFERENCES cameras (id),
  -- Number of segment rows of the camera.
  segments INTEGER NOT NULL CHECK (segments >= 0),
  -- Sum of size_bytes of those rows.
  bytes INTEGER NOT NULL CHECK (bytes >= 0)
) STRICT;

INSERT INTO segment_totals (camera_id, segments, bytes)
  SELECT camera_id, count(*), sum(size_bytes) FROM segments GROUP BY camera_id;

CREATE TRIGGER segment_totals_insert AFTER INSERT ON segments BEGIN
  INSERT INTO segment_totals (camera_id, segments, bytes) VALUES (NEW.camera_id, 1, NEW.size_bytes)
    ON CONFLICT (camera_id) DO UPDATE SET segments = segments + 1, bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER segment_totals_delete AFTER DELETE ON segments BEGIN
  UPDATE segment_totals SET segments = segments - 1, bytes = bytes - OLD.size_bytes
    WHERE camera_id = OLD.camera_id;
END;

CREATE TRIGGER segment_totals_resize AFTER UPDATE OF size_bytes ON segments BEGIN
  UPDATE segment_totals SET bytes = bytes - OLD.size_bytes + NEW.size_bytes WHERE camera_id = NEW.camera_id;
END;

-- Oldest footage across all cameras first: what disk pressure deletes.
CREATE INDEX segments_start ON segments (start_ms);
`;
