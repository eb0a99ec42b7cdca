-- The run's song files that staging found it cannot read, or whose bytes are compressed (the worker
-- fetches each song file once, in staging, and the listing does not probe them first:
-- src/staging/rawLines.ts), go from the run's file list to etl_skipped_files with the reason, as
-- the listing's probe skips them. Staging wrote each as one reject at line 0, which no record has;
-- these statements run in the same transaction, so the file is either staged-and-skipped or not
-- staged at all. Run again, they find nothing to move.
INSERT INTO etl_skipped_files (run_id, kind, source_key, etag, size, reason)
SELECT f.run_id, f.kind, f.source_key, f.etag, f.size, r.reason
FROM etl_run_files f
JOIN etl_rejected_records r ON r.run_id = f.run_id AND r.kind = f.kind AND r.source_key = f.source_key AND r.source_line = 0
WHERE f.run_id = {{run_id}} AND f.kind = 'songs';

DELETE FROM etl_run_files
WHERE run_id = {{run_id}} AND kind = 'songs'
  AND source_key IN (SELECT r.source_key FROM etl_rejected_records r WHERE r.run_id = {{run_id}} AND r.kind = 'songs' AND r.source_line = 0);

DELETE FROM etl_rejected_records WHERE run_id = {{run_id}} AND kind = 'songs' AND source_line = 0;
