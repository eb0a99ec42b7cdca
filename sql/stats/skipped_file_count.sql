-- How many files the run skipped, for the run summary: every one is in etl_skipped_files, whether
-- the listing skipped it or song staging did (src/staging/skippedSongFiles.ts), also one skipped by a
-- staging attempt that committed and was then retried, whose result the workflow never got.
SELECT COUNT(*) AS files FROM etl_skipped_files WHERE run_id = {{run_id}};
