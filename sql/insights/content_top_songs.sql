-- Content: the most played songs. Only plays matched to a song count here; activity_daily says how
-- many plays that leaves out. Plays are counted per song first and ranked; distinct listeners are
-- counted for the top songs' plays only (ranking needs plays alone).
WITH song_counts AS (
  SELECT song_id, artist_id, COUNT(*) AS plays
  FROM songplays
  WHERE song_id IS NOT NULL
    AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY song_id, artist_id
),
top_songs AS (
  SELECT c.song_id, s.title, a.name AS artist_name, SUM(c.plays) AS plays
  FROM song_counts c
  JOIN songs s ON s.song_id = c.song_id
  LEFT JOIN artists a ON a.artist_id = c.artist_id
  GROUP BY c.song_id, s.title, a.name
  ORDER BY plays DESC, c.song_id
  LIMIT {{limit}}
),
listeners AS (
  SELECT p.song_id, a.name AS artist_name, COUNT(DISTINCT p.user_id) AS listeners
  FROM songplays p
  LEFT JOIN artists a ON a.artist_id = p.artist_id
  WHERE p.song_id IN (SELECT song_id FROM top_songs)
    AND p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY p.song_id, a.name
)
SELECT t.song_id, t.title, t.artist_name, t.plays, l.listeners
FROM top_songs t
JOIN listeners l ON l.song_id = t.song_id AND (l.artist_name = t.artist_name OR (l.artist_name IS NULL AND t.artist_name IS NULL))
ORDER BY t.plays DESC, t.song_id;
