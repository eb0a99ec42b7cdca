-- Of the given song files, those the run skipped (etl_skipped_files), with ETag, size and reason:
-- the samples of the song files staging skipped (skip_song_files_found_unreadable.sql).
SELECT source_key, etag, size, reason
FROM etl_skipped_files
WHERE run_id = {{run_id}} AND kind = 'songs' AND source_key IN ({{keys}})
ORDER BY source_key;
