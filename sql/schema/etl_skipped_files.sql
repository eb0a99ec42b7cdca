-- etl_skipped_files: every source file a run listed and did not load, with the reason (a name
-- that does not fit the layout, not JSON, empty, compressed, unreadable). With etl_load_ledger it
-- accounts for every file under the source. Written by the listing (src/activities/runFileList.ts),
-- and by song staging for the song files it finds it cannot read (src/staging/skippedSongFiles.ts).
CREATE TABLE IF NOT EXISTS etl_skipped_files (
  run_id     {{text}} NOT NULL,
  kind       {{text}} NOT NULL,
  source_key {{text}} NOT NULL,
  etag       {{text}},
  size       BIGINT,
  reason     {{text}} NOT NULL
);
