-- Content: the most played songs and artists by what each play itself names (its title and artist,
-- repaired), whatever the catalogue holds; matched_plays: those plays matched to a catalogue song.
-- Plays are the published songplays in the window, each once, named as the publish that wrote it
-- named it (etl_songplay_names, sql/transform/songplays.sql: for an event staged twice, the copy the
-- play was made from; for plays whose staging rows are gone, still their name). Counted per name_id
-- (a number), then named: one pass for both lists (list = 'song' | 'artist'), ranked by plays, and
-- one more for the distinct listeners of the top ones only (each listener per name first, then
-- counted: no COUNT(DISTINCT), which PostgreSQL sorts).
-- named_plays: the window's plays that have a name at all, on every row; fewer than the window's
-- songplays when some were published before etl_songplay_names existed (the report says so).
WITH name_counts AS (
  SELECT name_id, COUNT(*) AS plays, SUM(matched) AS matched_plays
  FROM etl_songplay_names
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY name_id
),
song_counts AS (
  SELECT c.name_id, n.title, n.artist_name, c.plays, c.matched_plays
  FROM name_counts c
  JOIN etl_play_names n ON n.name_id = c.name_id
),
top_songs AS (
  SELECT name_id, title, artist_name, plays, matched_plays
  FROM song_counts
  ORDER BY plays DESC, title, artist_name
  LIMIT {{limit}}
),
top_artists AS (
  SELECT artist_name, SUM(plays) AS plays, SUM(matched_plays) AS matched_plays
  FROM song_counts
  GROUP BY artist_name
  ORDER BY plays DESC, artist_name
  LIMIT {{limit}}
),
-- The names whose listeners are counted: each top song's, and every name of each top artist.
listened AS (
  SELECT 'song' AS list, name_id, title, artist_name FROM top_songs
  UNION ALL
  SELECT 'artist' AS list, s.name_id, '' AS title, s.artist_name
  FROM song_counts s
  JOIN top_artists t ON t.artist_name = s.artist_name
),
-- The plays of those names, each listener once per name (the few names picked by a hash of them:
-- joined straight to the names, PostgreSQL hashed every play instead).
name_listeners AS (
  SELECT name_id, user_id
  FROM etl_songplay_names
  WHERE name_id IN (SELECT name_id FROM listened)
    AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY name_id, user_id
),
listener_names AS (
  SELECT l.list, l.title, l.artist_name, p.user_id
  FROM name_listeners p
  JOIN listened l ON l.name_id = p.name_id
  GROUP BY l.list, l.title, l.artist_name, p.user_id
),
listeners AS (
  SELECT list, title, artist_name, COUNT(*) AS listeners
  FROM listener_names
  GROUP BY list, title, artist_name
)
SELECT 'song' AS list, {{report_text(t.title)}} AS title, {{report_text(t.artist_name)}} AS artist_name, t.plays, l.listeners, t.matched_plays,
       (SELECT SUM(plays) FROM name_counts) AS named_plays
FROM top_songs t
JOIN listeners l ON l.list = 'song' AND l.title = t.title AND l.artist_name = t.artist_name
UNION ALL
SELECT 'artist' AS list, '' AS title, {{report_text(t.artist_name)}} AS artist_name, t.plays, l.listeners, t.matched_plays,
       (SELECT SUM(plays) FROM name_counts) AS named_plays
FROM top_artists t
JOIN listeners l ON l.list = 'artist' AND l.artist_name = t.artist_name
ORDER BY list DESC, plays DESC, title, artist_name;
