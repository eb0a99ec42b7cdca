-- How this run's plays matched songs: the strict rule (title, artist name and duration exactly
-- equal to a song's, the textbook rule) against the repaired rule songplays uses.
WITH run_plays AS (
  SELECT DISTINCT {{songplay_id(e)}} AS songplay_id, e.song, e.artist, e.length
  FROM staging_events e
  WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
),
strict_matches AS (
  SELECT DISTINCT r.songplay_id
  FROM run_plays r
  JOIN etl_song_keys k ON k.title_raw = r.song AND k.artist_name_raw = r.artist AND k.duration = r.length
)
SELECT
  (SELECT COUNT(DISTINCT songplay_id) FROM run_plays) AS plays,
  (SELECT COUNT(*) FROM strict_matches) AS strict_matches,
  (SELECT COUNT(*) FROM songplays p WHERE p.song_id IS NOT NULL AND p.songplay_id IN (SELECT songplay_id FROM run_plays)) AS repaired_matches;
