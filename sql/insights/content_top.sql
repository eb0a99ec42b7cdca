-- Content: the most played songs and artists of the catalogue (matched plays only; activity_engagement
-- says how many plays that leaves out), list = 'song' | 'artist'. One pass counts plays per (song,
-- artist id), which both rankings sum; one more finds the listeners of the top ones only, each
-- listener grouped per song or artist first (no COUNT(DISTINCT), which PostgreSQL sorts).
WITH play_counts AS (
  SELECT song_id, artist_id, COUNT(*) AS plays
  FROM songplays
  WHERE (song_id IS NOT NULL OR artist_id IS NOT NULL)
    AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY song_id, artist_id
),
-- A song is named by its title and its plays' artist's name (two artist ids of one name are one row).
top_songs AS (
  SELECT c.song_id, s.title, a.name AS artist_name, SUM(c.plays) AS plays
  FROM play_counts c
  JOIN songs s ON s.song_id = c.song_id
  LEFT JOIN artists a ON a.artist_id = c.artist_id
  GROUP BY c.song_id, s.title, a.name
  ORDER BY plays DESC, c.song_id
  LIMIT {{limit}}
),
top_artists AS (
  SELECT c.artist_id, a.name AS artist_name, c.plays
  FROM (SELECT artist_id, SUM(plays) AS plays FROM play_counts WHERE artist_id IS NOT NULL GROUP BY artist_id) c
  LEFT JOIN artists a ON a.artist_id = c.artist_id
  ORDER BY c.plays DESC, c.artist_id
  LIMIT {{limit}}
),
top_song_ids AS (
  SELECT DISTINCT song_id FROM top_songs
),
-- The one pass for listeners: each (song, artist id, user) among the plays of a top song or artist.
listened AS (
  SELECT p.song_id, p.artist_id, p.user_id
  FROM songplays p
  LEFT JOIN top_song_ids s ON s.song_id = p.song_id
  LEFT JOIN top_artists a ON a.artist_id = p.artist_id
  WHERE (s.song_id IS NOT NULL OR a.artist_id IS NOT NULL)
    AND p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY p.song_id, p.artist_id, p.user_id
),
song_listeners AS (
  SELECT song_id, artist_name, COUNT(*) AS listeners
  FROM (
    SELECT l.song_id, a.name AS artist_name, l.user_id
    FROM listened l
    JOIN top_song_ids t ON t.song_id = l.song_id
    LEFT JOIN artists a ON a.artist_id = l.artist_id
    GROUP BY l.song_id, a.name, l.user_id
  ) u
  GROUP BY song_id, artist_name
),
artist_listeners AS (
  SELECT artist_id, COUNT(*) AS listeners
  FROM (
    SELECT l.artist_id, l.user_id
    FROM listened l
    JOIN top_artists t ON t.artist_id = l.artist_id
    GROUP BY l.artist_id, l.user_id
  ) u
  GROUP BY artist_id
)
SELECT 'song' AS list, t.song_id, CAST(NULL AS {{text}}) AS artist_id, {{report_text(t.title)}} AS title, {{report_text(t.artist_name)}} AS artist_name, t.plays, l.listeners
FROM top_songs t
JOIN song_listeners l ON l.song_id = t.song_id AND (l.artist_name = t.artist_name OR (l.artist_name IS NULL AND t.artist_name IS NULL))
UNION ALL
SELECT 'artist' AS list, CAST(NULL AS {{text}}) AS song_id, t.artist_id, CAST(NULL AS {{text}}) AS title, {{report_text(t.artist_name)}} AS artist_name, t.plays, l.listeners
FROM top_artists t
JOIN artist_listeners l ON l.artist_id = t.artist_id
ORDER BY list DESC, plays DESC, song_id, artist_id;
