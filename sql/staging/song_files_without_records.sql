-- The song files reject_song_files_without_records.sql kept as rejects (reason {{reason}}): how
-- many, and the first {{samples}} by key.
SELECT source_key, COUNT(*) OVER () AS files
FROM etl_rejected_records
WHERE run_id = {{run_id}} AND kind = 'songs' AND reason = {{reason}}
ORDER BY source_key
LIMIT {{samples}};
