/**
 * Schema version 6: integrity at rest (segment hashes chained per camera) and export
 * jobs. The SQL below is the documented copy (a comment on every column); migrations.ts
 * runs it. The chain formula lives in src/integrity/chain.ts.
 */
export const schemaV6Sql = `-- Schema version 6: segment hashes chained per camera, chain findings, export jobs.
--
-- Sealing: soon after a segment closes (the file is still in the page cache) its SHA-256
-- is computed and the row is sealed: it takes the next position of its camera's chain,
-- chain_prev = the chain value of the previous position, and
--   chain = sha256(chain_prev | sha256 | start_ms | end_ms | camera_id | rel_path)
-- (src/integrity/chain.ts). An edited file no longer matches sha256; an edited row no
-- longer recomputes its chain; a removed row leaves its position without a link. Rows
-- that retention deletes leave a tombstone (integrity_removed, written by a trigger) that
-- names the rule that deleted them, so a legitimate deletion is told apart from a file or
-- a row removed behind the daemon's back.

-- SHA-256 (hex) of the whole file, computed at sealing; NULL until the row is sealed.
ALTER TABLE segments ADD COLUMN sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64);
-- Position of the row in its camera's chain (1, 2, ...); NULL until sealed. Sealing order,
-- which is close order except for files recovered at start-up.
ALTER TABLE segments ADD COLUMN chain_seq INTEGER CHECK (chain_seq IS NULL OR chain_seq >= 1);
-- Chain value of position chain_seq - 1 (64 zeros for position 1); NULL until sealed.
ALTER TABLE segments ADD COLUMN chain_prev TEXT;
-- sha256(chain_prev | sha256 | start_ms | end_ms | camera_id | rel_path); NULL until sealed.
ALTER TABLE segments ADD COLUMN chain TEXT;
-- Wall time the file was last read whole and matched: at sealing, then each time the
-- background check re-reads it. The check visits the least recently verified rows first.
ALTER TABLE segments ADD COLUMN verified_ms INTEGER;

-- One row per chain position: a camera cannot hand out a position twice.
CREATE UNIQUE INDEX segments_chain ON segments (camera_id, chain_seq) WHERE chain_seq IS NOT NULL;
-- Rows waiting to be sealed (normally none, or the few closed in the last seconds).
CREATE INDEX segments_unsealed ON segments (camera_id, id) WHERE sha256 IS NULL;
-- The background check's order: never verified first, then the longest ago.
CREATE INDEX segments_verified ON segments (verified_ms, id) WHERE sha256 IS NOT NULL;

-- A sealed row, once sealed, keeps its seal: the daemon never rewrites one.
CREATE TRIGGER segments_seal_once BEFORE UPDATE OF sha256, chain_seq, chain_prev, chain ON segments
  WHEN OLD.sha256 IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'a sealed segment keeps its hash and chain values');
END;

-- The head of each camera's chain.
CREATE TABLE integrity_chains (
  -- Camera of the chain.
  camera_id TEXT PRIMARY KEY,
  -- Position of the last link handed out (0 before the first).
  head_seq INTEGER NOT NULL CHECK (head_seq >= 0),
  -- Chain value of that link (64 zeros before the first).
  head TEXT NOT NULL,
  -- Positions up to base_seq were pruned after their segments were deleted by retention
  -- and their links verified; a check starts after it. 0 when nothing was pruned.
  base_seq INTEGER NOT NULL DEFAULT 0 CHECK (base_seq >= 0 AND base_seq <= head_seq),
  -- Chain value of position base_seq: the chain_prev the next position must carry.
  base TEXT NOT NULL
) STRICT;

-- Tombstones: sealed rows that left the segments table, with their link, so the chain
-- stays checkable across deletions. Written by the trigger below, whoever deletes.
CREATE TABLE integrity_removed (
  -- Camera of the removed row.
  camera_id TEXT NOT NULL,
  -- Its chain position.
  chain_seq INTEGER NOT NULL,
  -- Its link values, as they were in the row.
  chain_prev TEXT NOT NULL,
  chain TEXT NOT NULL,
  -- Its file hash, times and path, so the link can still be recomputed.
  sha256 TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  rel_path TEXT NOT NULL,
  -- Wall time of the removal (SQLite's clock, the only one a trigger has).
  removed_ms INTEGER NOT NULL,
  -- The retention rule that deleted it ('age', 'quota', 'pressure': the row went through
  -- garbage first), or NULL when it was removed outside retention (its file vanished
  -- behind the daemon's back, or the row was deleted by hand): an integrity finding.
  via TEXT,
  PRIMARY KEY (camera_id, chain_seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER segments_removed_tombstone AFTER DELETE ON segments WHEN OLD.chain_seq IS NOT NULL
BEGIN
  INSERT OR REPLACE INTO integrity_removed
    (camera_id, chain_seq, chain_prev, chain, sha256, start_ms, end_ms, rel_path, removed_ms, via)
  VALUES (OLD.camera_id, OLD.chain_seq, OLD.chain_prev, OLD.chain, OLD.sha256, OLD.start_ms, OLD.end_ms,
    OLD.rel_path, CAST(unixepoch('subsec') * 1000 AS INTEGER),
    (SELECT reason FROM garbage WHERE rel_path = OLD.rel_path));
END;

-- What the background check and nvr fsck found wrong. Kept (never deleted): a finding is
-- part of the box's record. Health shows the ones not acknowledged by an admin.
CREATE TABLE integrity_findings (
  -- Row id.
  id INTEGER PRIMARY KEY,
  -- Camera concerned.
  camera_id TEXT NOT NULL,
  -- 'hash-mismatch' (file edited), 'size-mismatch', 'missing-file' (row without file),
  -- 'unreadable', 'row-edited' (chain value does not recompute), 'chain-broken' (link
  -- does not follow its predecessor), 'link-missing' (a position with neither row nor
  -- tombstone), 'removed-outside-retention' (tombstone without a retention rule),
  -- 'head-mismatch' (the last links are gone).
  kind TEXT NOT NULL,
  -- The segment's path when the finding is about one file; '' otherwise.
  rel_path TEXT NOT NULL,
  -- Chain position concerned; 0 when none.
  chain_seq INTEGER NOT NULL,
  -- What exactly was found (expected and actual values).
  detail TEXT NOT NULL,
  -- Wall time it was first found, and last found again.
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  -- When a later check found the file matching again (restored from a copy); NULL while open.
  resolved_ms INTEGER,
  -- When and by whom it was acknowledged (nvr fsck --acknowledge); NULL until then.
  acknowledged_ms INTEGER,
  acknowledged_by TEXT,
  UNIQUE (camera_id, kind, rel_path, chain_seq)
) STRICT;

-- Persistent export jobs: created by POST /api/v1/exports, run one at a time by the
-- daemon, resumed after a restart (a job found 'running' is rebuilt from the start).
CREATE TABLE export_jobs (
  -- Row id; the export's number in the API and in the package name.
  id INTEGER PRIMARY KEY,
  -- 'queued', 'running', 'done' or 'failed'.
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  -- Cameras exported, as a JSON array of ids, in the order asked.
  camera_ids TEXT NOT NULL,
  -- Requested range (wall time, UTC): [from_ms, to_ms).
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  -- Case file number and reason, as the investigator gave them.
  case_number TEXT NOT NULL CHECK (length(case_number) BETWEEN 1 AND 100),
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  -- Who asked (user or 'token:<name>') and from which address.
  created_by TEXT NOT NULL,
  address TEXT NOT NULL,
  -- When it was asked.
  created_ms INTEGER NOT NULL,
  -- The evidence hold placed on the range (holds.id); NULL if none could be placed.
  hold_id INTEGER,
  -- Work done and expected, in bytes read and written; progress = done / total.
  done_bytes INTEGER NOT NULL DEFAULT 0,
  total_bytes INTEGER NOT NULL DEFAULT 0,
  -- How many times a run of the job started (more than 1 after a restart).
  attempts INTEGER NOT NULL DEFAULT 0,
  -- When the current or last run started, and when the job ended ('done' or 'failed').
  started_ms INTEGER,
  finished_ms INTEGER,
  -- Why it failed (error code and message); NULL otherwise.
  error TEXT,
  -- The package file (a .tar in <dataDir>/exports/), its size and SHA-256; NULL until done.
  package_file TEXT,
  package_bytes INTEGER,
  package_sha256 TEXT,
  -- SHA-256 of manifest.json inside the package (what the box key signed); NULL until done.
  manifest_sha256 TEXT,
  -- First time the whole package was downloaded; NULL until then.
  downloaded_ms INTEGER,
  -- When the package file was deleted (DELETE /api/v1/exports/{id}); NULL while kept.
  deleted_ms INTEGER,
  CHECK (to_ms > from_ms)
) STRICT;

-- Jobs waiting or interrupted, in order of creation.
CREATE INDEX export_jobs_pending ON export_jobs (id) WHERE state IN ('queued', 'running');
`;
