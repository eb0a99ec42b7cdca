-- songs: one row per song_id, plus etl_song_keys, the song's match keys for songplays, both from
-- the same version of the song, so a play matched through the keys names the song and artist that
-- songs holds (they were picked apart, by different rules, and could name another artist).
-- Sources: this run's staging_songs (text repaired via etl_text_repairs) and the song's current
-- rows with their keys, which compete with the new ones so the result never depends on load order.
-- Rule when a song_id has several versions: a known year (> 0) first, then the smallest
-- (title, artist_id, duration), then the smallest raw title and artist name.
CREATE TEMP TABLE publish_songs AS
WITH staged AS (
  SELECT s.song_id, COALESCE(title.repaired, s.title) AS title, s.artist_id, s.year, s.duration,
         s.title AS title_raw, s.artist_name AS artist_name_raw, title.match_key AS title_key, artist.match_key AS artist_key
  FROM staging_songs s
  LEFT JOIN etl_text_repairs title ON title.run_id = s.run_id AND title.kind = 'text' AND title.raw = s.title
  LEFT JOIN etl_text_repairs artist ON artist.run_id = s.run_id AND artist.kind = 'text' AND artist.raw = s.artist_name
  WHERE s.run_id = {{run_id}} AND s.song_id IS NOT NULL
),
candidates AS (
  SELECT song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key FROM staged
  UNION ALL
  SELECT p.song_id, p.title, p.artist_id, p.year, p.duration, k.title_raw, k.artist_name_raw, k.title_key, k.artist_key
  FROM songs p
  LEFT JOIN etl_song_keys k ON k.song_id = p.song_id
  WHERE p.song_id IN (SELECT song_id FROM staged)
),
ranked AS (
  SELECT song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key,
         ROW_NUMBER() OVER (
           PARTITION BY song_id
           ORDER BY CASE WHEN year > 0 THEN 0 ELSE 1 END, {{byte_order(title)}} NULLS LAST, {{byte_order(artist_id)}} NULLS LAST, duration NULLS LAST,
                    {{byte_order(title_raw)}} NULLS LAST, {{byte_order(artist_name_raw)}} NULLS LAST
         ) AS pick
  FROM candidates
)
SELECT song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key FROM ranked WHERE pick = 1;

DELETE FROM songs WHERE song_id IN (SELECT song_id FROM publish_songs);
INSERT INTO songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, year, duration FROM publish_songs;

DELETE FROM etl_song_keys WHERE song_id IN (SELECT song_id FROM publish_songs);
INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration)
SELECT song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration FROM publish_songs;

DROP TABLE publish_songs;
