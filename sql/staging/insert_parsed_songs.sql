-- Stages a chunk of parsed songs records: the checked ones into staging_songs with the run, file and
-- line; the rejected ones into etl_rejected_records with their reason and raw text. Then the
-- session table is emptied for the next chunk.
INSERT INTO staging_songs (run_id, source_key, source_line, num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year)
SELECT {{run_id}}, source_key, source_line, num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year
FROM etl_parsed_rows
WHERE reason IS NULL;

INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, 'songs', source_key, source_line, reason, raw
FROM etl_parsed_rows
WHERE reason IS NOT NULL;

TRUNCATE etl_parsed_rows;
