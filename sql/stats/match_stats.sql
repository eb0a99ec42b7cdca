-- How this run's plays matched songs: the strict rule (title, artist name and duration exactly
-- equal to a song's, the textbook rule) against the repaired rule songplays uses.
-- Each play once (an event staged twice is one play), with whether any copy matches strictly; then
-- joined to its published songplay. A join, not IN (…): PostgreSQL plans an IN over a CTE from a
-- guess of 200 rows and then probes songplays' index once per play (1.2M random reads at 1.6M events).
WITH strict_keys AS (
  SELECT DISTINCT title_raw, artist_name_raw, duration FROM etl_song_keys
),
run_plays AS (
  SELECT {{songplay_id(e)}} AS songplay_id,
         MAX(CASE WHEN k.title_raw IS NULL THEN 0 ELSE 1 END) AS strict_match
  FROM staging_events e
  LEFT JOIN strict_keys k ON k.title_raw = e.song AND k.artist_name_raw = e.artist AND k.duration = e.length
  WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  GROUP BY {{songplay_id(e)}}
)
SELECT
  (SELECT COUNT(*) FROM run_plays) AS plays,
  (SELECT COALESCE(SUM(strict_match), 0) FROM run_plays) AS strict_matches,
  (SELECT COUNT(p.song_id) FROM run_plays r JOIN songplays p ON p.songplay_id = r.songplay_id) AS repaired_matches;
