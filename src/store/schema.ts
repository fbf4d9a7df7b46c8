/**
 * Schema version 1, embedded because tsc does not copy schema.sql into dist/.
 * schema.sql is the documented copy (a comment on every column); keep the two identical:
 * test/store.test.ts compares them byte for byte.
 */
export const schemaV1Sql = `-- Schema version 1 of the recordings index (SQLite through better-sqlite3).
--
-- This file is the documented copy. src/store/schema.ts embeds the identical text,
-- because tsc does not copy .sql files into dist/; test/store.test.ts keeps them equal.
-- Change the schema only through a new numbered migration in src/store/migrations.ts.
--
-- Units: every instant is an integer of epoch milliseconds UTC (column names end in
-- _ms); every size is an integer of bytes (_bytes). STRICT tables refuse any other
-- storage class, so a float second or a string date cannot slip in.
--
-- Time model: a run is one ffmpeg session of one camera. Media time 0 of the run is
-- anchored on the box's wall clock (runs.start_ms); segment n+1 of a run starts exactly
-- at segment n's end_ms (chained on the media timeline). A gap is the space between
-- runs (its reason is the end_reason of the run before it) or a hole left inside a run
-- by a deleted segment.

-- Migrations applied to this file, one row each. The highest version is the schema
-- version of the database.
CREATE TABLE schema_migrations (
  -- Migration number (1, 2, ...). Primary key: a migration is recorded once.
  version INTEGER PRIMARY KEY,
  -- Wall time the migration was applied; tells support when the box was upgraded.
  applied_ms INTEGER NOT NULL
) STRICT;

-- Every camera that has recorded on this box. A camera that leaves the configuration
-- keeps its row while runs or segments reference it, so its old footage keeps a name.
CREATE TABLE cameras (
  -- Slug from the configuration (lower-case letters, digits, '-', '_'); also the folder
  -- name under recordings/. Never reused for another camera.
  id TEXT PRIMARY KEY,
  -- Human name shown to officers; refreshed from the configuration at every start.
  name TEXT NOT NULL,
  -- Wall time the index first saw this camera.
  created_ms INTEGER NOT NULL,
  -- Wall time the name last changed (equals created_ms until then).
  updated_ms INTEGER NOT NULL
) STRICT;

-- One row per run (one ffmpeg session of one camera).
CREATE TABLE runs (
  -- Row id; segments point at it.
  id INTEGER PRIMARY KEY,
  -- Camera that was recorded.
  camera_id TEXT NOT NULL REFERENCES cameras (id),
  -- The recorder's key of the run (e.g. 20261128T174112345Z-k3f9), unique per camera;
  -- also the prefix of the run's segment file names (in the camera's folder), which is
  -- how start-up reconciliation finds the run of a file that has no row.
  run_key TEXT NOT NULL,
  -- Wall time ffmpeg was spawned; start_ms - spawned_ms is the camera's connect time.
  spawned_ms INTEGER NOT NULL,
  -- Wall time of media time 0 of the run (the anchor). The first segment starts here.
  start_ms INTEGER NOT NULL,
  -- End of the last segment ever indexed for the run (= start_ms until one closes).
  -- Not lowered when segments are deleted: a segment ending before it means the rest
  -- of the run was deleted, not that recording stopped.
  end_ms INTEGER NOT NULL,
  -- Wall time the run was seen to end; NULL while the run is open (recording now).
  ended_ms INTEGER,
  -- Why the run ended; the reason of the gap that follows it. NULL while open.
  end_reason TEXT CHECK (end_reason IN ('camera-disconnected', 'stalled', 'clock-step', 'stopped', 'unclean-shutdown')),
  -- Free text with the detail of the end (ffmpeg's last error line, old/new clock
  -- offsets of a clock step); credentials are redacted before they get here.
  end_detail TEXT,
  -- Video codec reported by ffmpeg for the run (h264, hevc); NULL when unknown.
  video_codec TEXT,
  -- Video width in pixels; NULL when unknown.
  width INTEGER,
  -- Video height in pixels; NULL when unknown.
  height INTEGER,
  -- Frame rate the stream declares, frames per second (may be fractional, e.g. 29.97;
  -- cheap cameras declare more than they deliver). Informational only. NULL when unknown.
  fps REAL,
  -- Audio codec the camera sends (e.g. pcm_mulaw for G.711, which the recorder converts to
  -- AAC or drops per its audio mode); NULL when there is no audio. Health cards read it.
  audio_codec TEXT,
  -- Longest segment of the run (end_ms - start_ms). The max over a camera's runs bounds
  -- the overlap query (start_ms >= from - max) so it stays an index range scan.
  max_segment_ms INTEGER NOT NULL DEFAULT 0,
  UNIQUE (camera_id, run_key),
  CHECK (end_ms >= start_ms),
  CHECK ((ended_ms IS NULL) = (end_reason IS NULL))
) STRICT;

-- Runs of a camera in time order (also serves the camera_id foreign key and the
-- per-camera max of max_segment_ms).
CREATE INDEX runs_camera_start ON runs (camera_id, start_ms);
-- Open runs: what start-up reconciliation closes as 'unclean-shutdown'.
CREATE INDEX runs_open ON runs (camera_id) WHERE end_reason IS NULL;

-- One row per segment file under <dataDir>/recordings. Invariant (kept by start-up
-- reconciliation): every row names an existing file and every well-named file has a row.
CREATE TABLE segments (
  -- Row id.
  id INTEGER PRIMARY KEY,
  -- Camera of the segment (same as its run's); here too so the covering index below
  -- answers range queries without touching runs.
  camera_id TEXT NOT NULL REFERENCES cameras (id),
  -- Run the segment belongs to.
  run_id INTEGER NOT NULL REFERENCES runs (id),
  -- 1-based number of the segment inside its run (the 6 digits of the file name).
  seq INTEGER NOT NULL CHECK (seq >= 1),
  -- Wall time of the segment's first instant: run anchor + media start. Exactly the
  -- previous segment's end_ms inside a run.
  start_ms INTEGER NOT NULL,
  -- Wall time just after the segment's last instant (start_ms + media length).
  end_ms INTEGER NOT NULL,
  -- Playable length on the media timeline (what a player shows). For a recovered file
  -- this is the probed playable length, not the container's claim.
  media_duration_ms INTEGER NOT NULL CHECK (media_duration_ms >= 0),
  -- Wall time the recorder saw the segment close; compared with end_ms it shows drift
  -- of the camera's media clock. NULL for recovered segments (no close was seen).
  observed_close_ms INTEGER,
  -- File size at indexing; retention sums it per camera without touching the disk.
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  -- Path relative to the recordings root: <camera>/<YYYY-MM-DD>/<run_key>-<seq:6>.mp4.
  -- Relative so the data folder can move; unique because two rows for one file would
  -- double-count it.
  rel_path TEXT NOT NULL UNIQUE,
  -- Video codec of this file (a camera can change codec between runs); NULL if unknown.
  video_codec TEXT,
  -- Video width in pixels; NULL when unknown.
  width INTEGER,
  -- Video height in pixels; NULL when unknown.
  height INTEGER,
  -- Audio codec the camera sent for this file (before the recorder's audio mode); NULL
  -- when it has no audio.
  audio_codec TEXT,
  -- 1 when start-up reconciliation indexed the file from disk (its close was never
  -- seen, usually the last segment of a run cut short by a crash); 0 from a close event.
  recovered INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1)),
  -- A run has one segment per sequence number; also makes a duplicate close a no-op.
  UNIQUE (run_id, seq),
  CHECK (end_ms >= start_ms)
) STRICT;

-- Covering index for "what is recorded in [from, to)": the bounded overlap query reads
-- camera_id, start_ms, end_ms and run_id from the index alone.
CREATE INDEX segments_camera_start ON segments (camera_id, start_ms, end_ms, run_id);
`;

/** Schema version 2: users, sessions, API tokens and the hash-chained audit trail. */
export const schemaV2Sql = `
-- Schema version 2: who may use the box and what they took out of it. Users log in
-- from the browser (sessions), scripts use API tokens, and every clip, still, playback,
-- export, login and account change is appended to a hash-chained audit trail.
--
-- Secrets are never stored: a password as an scrypt hash, a session id and an API
-- token as the sha256 of 256 random bits (a copy of this file cannot be replayed).

-- People who log in. Roles are ordered viewer < investigator < admin (src/auth/roles.ts).
CREATE TABLE users (
  -- Row id; sessions point at it.
  id INTEGER PRIMARY KEY,
  -- Login name: 1-32 lower-case letters, digits, '.', '_' or '-'. Never contains ':',
  -- so it cannot be mistaken for an API token actor ('token:<name>') in the audit trail.
  username TEXT NOT NULL UNIQUE,
  -- What the user may do: 'viewer', 'investigator' or 'admin'.
  role TEXT NOT NULL CHECK (role IN ('viewer', 'investigator', 'admin')),
  -- 'scrypt$<N>$<r>$<p>$<salt base64>$<key base64>': the cost parameters travel with the
  -- hash, so they can be raised for new passwords without invalidating old ones.
  password_hash TEXT NOT NULL,
  -- Wall time the user was created.
  created_ms INTEGER NOT NULL,
  -- Wall time the role or password last changed (equals created_ms until then).
  updated_ms INTEGER NOT NULL,
  -- Wall time of the last successful login; NULL until the first one.
  last_login_ms INTEGER
) STRICT;

-- Browser sessions (cookie). A session ends at expires_ms, or earlier when idle too long
-- (last_seen_ms + the idle limit in src/auth/policy.ts), or at logout.
CREATE TABLE sessions (
  -- sha256 (hex) of the random session id in the cookie; the id itself is not stored.
  id_hash TEXT PRIMARY KEY,
  -- Who is logged in. Deleting the user ends their sessions.
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Wall time of the login.
  created_ms INTEGER NOT NULL,
  -- Wall time of the last request with this session, written at most once a minute
  -- (a write per request would be wasted work); the idle limit counts from here.
  last_seen_ms INTEGER NOT NULL,
  -- Absolute end: created_ms + the session lifetime, however active the session is.
  expires_ms INTEGER NOT NULL,
  -- Remote address that logged in, for an admin's review of open sessions.
  address TEXT NOT NULL
) STRICT;

-- Sessions of a user: ended together on password change or deletion.
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens for scripts (nvr token create, POST /api/v1/tokens). Revoked tokens
-- keep their row so that the audit trail's 'token:<name>' actors keep a meaning.
CREATE TABLE api_tokens (
  -- Row id; the handle for revocation (DELETE /api/v1/tokens/<id>).
  id INTEGER PRIMARY KEY,
  -- Name chosen by the creator (1-64 of a-z 0-9 . _ -); written as 'token:<name>' in the
  -- audit trail. Unique among live tokens (index below).
  name TEXT NOT NULL,
  -- What the token may do: 'viewer', 'investigator' or 'admin'.
  role TEXT NOT NULL CHECK (role IN ('viewer', 'investigator', 'admin')),
  -- sha256 (hex) of the token. The token (256 random bits) is shown once, never stored.
  token_hash TEXT NOT NULL UNIQUE,
  -- Wall time the token was created.
  created_ms INTEGER NOT NULL,
  -- Who created it: a user name, 'token:<name>', or 'cli' for nvr token create.
  created_by TEXT NOT NULL,
  -- Wall time of the last request with the token, written at most once a minute; NULL
  -- while unused.
  last_used_ms INTEGER,
  -- Wall time the token was revoked; NULL while it is valid.
  revoked_ms INTEGER
) STRICT;

-- A name means one live token; a revoked token's name may be reused.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_ms IS NULL;

-- The audit trail: one row per clip, still, playback, export, login (failed too) and
-- account or settings change. Append-only and hash-chained: hash = sha256 of the
-- previous row's hash and this row's canonical content (src/store/audit-repo.ts), so an
-- edited row no longer matches its hash and a removed row breaks the chain or leaves a
-- hole in the ids (AUTOINCREMENT never reuses an id; sqlite_sequence keeps the highest).
CREATE TABLE audit_log (
  -- 1, 2, 3, ... without holes: a missing id is a removed entry.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Wall time of the event.
  at_ms INTEGER NOT NULL,
  -- Who: a user name, 'token:<name>', the name tried in a failed login, 'cli' or
  -- 'anonymous'.
  actor TEXT NOT NULL,
  -- From which address (the HTTP client's IP, or 'local' for the command line).
  address TEXT NOT NULL,
  -- What: 'clip', 'still', 'playback', 'export', 'login', 'user.create', 'token.revoke', ...
  action TEXT NOT NULL,
  -- How it ended: 'ok', 'denied' (role or rate limit), 'failed' (bad input, wrong
  -- password) or 'error' (the box failed).
  result TEXT NOT NULL CHECK (result IN ('ok', 'denied', 'failed', 'error')),
  -- Camera concerned, if any. No foreign key: a request for an unknown camera is
  -- recorded too, and an entry outlives its camera.
  camera_id TEXT,
  -- Start of the requested range (or the instant of a still); NULL when none.
  from_ms INTEGER,
  -- End of the requested range; NULL when none.
  to_ms INTEGER,
  -- Bytes served to the client (a clip's size); NULL when nothing was served.
  served_bytes INTEGER,
  -- Free text (credentials redacted): the request path, the error code, the changed
  -- fields of an account, ...
  detail TEXT,
  -- hash of the previous row (64 zeros for the first row); kept so that a break can be
  -- told apart: a row edited (its own hash is wrong) or a row removed (the link is).
  prev_hash TEXT NOT NULL,
  -- sha256 (hex) of prev_hash and this row's canonical content.
  hash TEXT NOT NULL
) STRICT;

-- "What happened between from and to" for GET /api/v1/audit.
CREATE INDEX audit_log_at ON audit_log (at_ms);

-- Append-only for the daemon's own code: a change must come through a new row. (Anyone
-- with write access to the file can drop these; the hash chain is what detects that.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
`;
