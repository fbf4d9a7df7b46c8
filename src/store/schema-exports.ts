/**
 * Schema version 7: export packages expire (exports.keepDays). The SQL below is the
 * documented copy (a comment on every column); migrations.ts runs it.
 */
export const schemaV7Sql = `-- Schema version 7: export packages expire.
--
-- A finished package (export_jobs.state = 'done') stays in <dataDir>/exports until it is
-- deleted by hand (DELETE /api/v1/exports/{id}: deleted_ms set) or until the export
-- runner's housekeeping finds it older than exports.keepDays, counted from finished_ms:
-- the file is unlinked first, then deleted_ms and expired_ms are both set to that instant
-- (a crash in between leaves the row kept; the next pass unlinks nothing and marks it).
-- The row stays either way: the audit trail and the case file refer to its id.

-- When housekeeping deleted the package for age (equal to deleted_ms then); NULL while
-- the package is kept, and when it was deleted by hand or never existed.
ALTER TABLE export_jobs ADD COLUMN expired_ms INTEGER CHECK (expired_ms IS NULL OR expired_ms = deleted_ms);

-- Packages still on disk, oldest finish first: housekeeping's candidates and the bytes
-- the storage report shows.
CREATE INDEX export_jobs_kept ON export_jobs (finished_ms) WHERE state = 'done' AND deleted_ms IS NULL;
`;
