-- Content: the most played songs and artists by what each play itself names (its title and artist,
-- repaired), whatever the catalogue holds; matched_plays: those plays matched to a catalogue song.
-- Plays are the published songplays in the window; their text comes from the raw events (an event
-- staged twice, or by several runs, counts once: joined by its songplay_id). One pass for both
-- lists (list = 'song' | 'artist'), ranked by plays; distinct listeners are counted for the top ones only.
WITH played AS (
  SELECT {{songplay_id(e)}} AS songplay_id,
         MIN(COALESCE(song.repaired, e.song)) AS title,
         MIN(COALESCE(artist.repaired, e.artist)) AS artist_name
  FROM staging_events e
  LEFT JOIN etl_text_repairs song ON song.run_id = e.run_id AND song.kind = 'text' AND song.raw = e.song
  LEFT JOIN etl_text_repairs artist ON artist.run_id = e.run_id AND artist.kind = 'text' AND artist.raw = e.artist
  WHERE e.page = 'NextSong' AND TRIM(e.userid) <> '' AND e.ts >= {{from_ms}} AND e.ts < {{to_ms}}
  GROUP BY {{songplay_id(e)}}
),
plays AS (
  SELECT COALESCE(pl.title, '(unknown)') AS title, COALESCE(pl.artist_name, '(unknown)') AS artist_name, p.user_id, p.song_id
  FROM songplays p
  JOIN played pl ON pl.songplay_id = p.songplay_id
  WHERE p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
),
song_counts AS (
  SELECT title, artist_name, COUNT(*) AS plays, COUNT(song_id) AS matched_plays
  FROM plays
  GROUP BY title, artist_name
),
top_songs AS (
  SELECT title, artist_name, plays, matched_plays
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
-- Distinct listeners only for the top songs and artists: ranking needs plays alone.
song_listeners AS (
  SELECT p.title, p.artist_name, COUNT(DISTINCT p.user_id) AS listeners
  FROM plays p
  JOIN top_songs t ON t.title = p.title AND t.artist_name = p.artist_name
  GROUP BY p.title, p.artist_name
),
artist_listeners AS (
  SELECT p.artist_name, COUNT(DISTINCT p.user_id) AS listeners
  FROM plays p
  JOIN top_artists t ON t.artist_name = p.artist_name
  GROUP BY p.artist_name
)
SELECT 'song' AS list, t.title, t.artist_name, t.plays, l.listeners, t.matched_plays
FROM top_songs t
JOIN song_listeners l ON l.title = t.title AND l.artist_name = t.artist_name
UNION ALL
SELECT 'artist' AS list, '' AS title, t.artist_name, t.plays, l.listeners, t.matched_plays
FROM top_artists t
JOIN artist_listeners l ON l.artist_name = t.artist_name
ORDER BY list DESC, plays DESC, title, artist_name;
