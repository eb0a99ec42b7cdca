-- Content: the most played artists (matched plays only, like content_top_songs). Plays are counted
-- per artist first and ranked; distinct listeners are counted for the top artists' plays only.
WITH top_artists AS (
  SELECT c.artist_id, a.name AS artist_name, c.plays
  FROM (
    SELECT artist_id, COUNT(*) AS plays
    FROM songplays
    WHERE artist_id IS NOT NULL
      AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
    GROUP BY artist_id
  ) c
  LEFT JOIN artists a ON a.artist_id = c.artist_id
  ORDER BY c.plays DESC, c.artist_id
  LIMIT {{limit}}
),
listeners AS (
  SELECT artist_id, COUNT(DISTINCT user_id) AS listeners
  FROM songplays
  WHERE artist_id IN (SELECT artist_id FROM top_artists)
    AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY artist_id
)
SELECT t.artist_id, t.artist_name, t.plays, l.listeners
FROM top_artists t
JOIN listeners l ON l.artist_id = t.artist_id
ORDER BY t.plays DESC, t.artist_id;
