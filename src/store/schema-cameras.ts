/**
 * Schema version 4: cameras added through the API (with what ONVIF told us about them)
 * and the health card of every camera. The SQL below is the documented copy (a comment
 * on every column); migrations.ts runs it. Credentials are NOT here: they live in a
 * separate 0600 file (src/cameras/credential-vault.ts), so a copy of the index leaks none.
 */
export const schemaV4Sql = `-- Schema version 4: stored cameras and camera health cards.
--
-- Which cameras exist is the union of the config file's cameras and these rows; the
-- config file wins for an id it names (the row stays, shadowed, and comes back if the
-- file drops the id). The cameras table of version 1 keeps one row per camera that ever
-- recorded; this table holds the settings of the ones added by an admin.
CREATE TABLE stored_cameras (
  -- Slug chosen by the admin or derived from the name; also the folder under recordings/.
  id TEXT PRIMARY KEY,
  -- Name shown to officers.
  name TEXT NOT NULL,
  -- RTSP URL of the main stream, WITHOUT user info (credentials are kept apart); what
  -- the recorder pulls once the credentials are put back in.
  url TEXT NOT NULL CHECK (url LIKE 'rtsp://%' OR url LIKE 'rtsps://%'),
  -- RTSP URL of the sub-stream (lower resolution, for live view), without user info;
  -- NULL when the camera has none or was added by URL.
  sub_url TEXT,
  -- 0 = keep the camera but do not record it.
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  -- Audio mode of the recorder: 'aac' (convert, the default), 'copy', or 'off'.
  audio TEXT NOT NULL CHECK (audio IN ('aac', 'copy', 'off')),
  -- ONVIF device service host and port the admin gave; NULL for a plain RTSP camera.
  onvif_host TEXT,
  onvif_port INTEGER CHECK (onvif_port BETWEEN 1 AND 65535),
  -- What the device said at onboarding, as JSON: endpoint reference, device information
  -- (manufacturer, model, firmware, serial, hardware id), service path, profiles, snapshot
  -- URI (without credentials). Informational; nothing is derived from it at run time.
  onvif_json TEXT,
  -- Camera clock minus box clock when last read (ms); NULL when never read.
  clock_offset_ms INTEGER,
  -- Wall time the row was created by an admin.
  created_ms INTEGER NOT NULL,
  -- Wall time of the last change (name, URL, enabled, credentials).
  updated_ms INTEGER NOT NULL,
  CHECK ((onvif_host IS NULL) = (onvif_port IS NULL))
) STRICT;

-- The last health card of each camera (config-file and stored ones alike). Replaced
-- whole by every check; a camera's card goes when the camera is removed.
CREATE TABLE camera_health_cards (
  -- Camera the card describes.
  camera_id TEXT PRIMARY KEY,
  -- Wall time of the check.
  checked_ms INTEGER NOT NULL,
  -- SHA-256 (hex) of the stream URL probed, without credentials: a card whose URL no
  -- longer matches the camera's is stale and is checked again.
  url_sha256 TEXT NOT NULL,
  -- The card as JSON: stream facts (codec, resolution, declared and measured fps,
  -- keyframe interval, audio codec), clock offset, and the warnings in Vietnamese and
  -- English with their fix. Never holds a credential.
  card_json TEXT NOT NULL
) STRICT;
`;
