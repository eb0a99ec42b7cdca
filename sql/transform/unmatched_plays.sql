-- Plays matched late: a song published after the plays that name it were published matches them.
-- The run's plays that its songplays publish left without a song are listed in etl_unmatched_plays
-- (sql/schema/etl_play_names.sql) with what they name; then every listed play, of any day, that names
-- a song the run staged (or that the run just listed) gets the song a publish would give it now: the
-- keys, tolerance and tie-breaks of sql/transform/songplays.sql (closest duration, then the smallest
-- song_id). Only listed plays are read, never all of songplays.
-- Runs after the songplays publish, in a transaction of its own that locks what it writes first (on
-- Redshift the publish's batch is full): docs/operations.md says why overlapping runs leave no play behind.

-- The run's plays its publish left without a song, found among its staged plays by user and start
-- time.
CREATE TEMP TABLE rematch_run_events AS
SELECT n.songplay_id, n.start_time, e.userid, e.sessionid, e.iteminsession, e.ts, e.song, e.artist, e.length
FROM etl_songplay_names n
JOIN staging_events e
  ON CAST(TRIM(e.userid) AS INTEGER) = n.user_id AND {{epoch_ms_to_timestamp(e.ts)}} = n.start_time
WHERE n.matched = 0
  AND e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> '';

-- Each of them by id (an md5 for these only: in the statement above, DuckDB made the md5 its join
-- key and hashed every staged event), with its title's and artist's match keys and its length. A
-- play with a part missing matches no song and is not listed.
CREATE TEMP TABLE rematch_run_plays AS
SELECT DISTINCT e.songplay_id, e.start_time, song.match_key AS song_key, artist.match_key AS artist_key, e.length
FROM rematch_run_events e
JOIN etl_text_repairs song ON song.run_id = {{run_id}} AND song.kind = 'text' AND song.raw = e.song
JOIN etl_text_repairs artist ON artist.run_id = {{run_id}} AND artist.kind = 'text' AND artist.raw = e.artist
WHERE song.match_key IS NOT NULL AND artist.match_key IS NOT NULL AND e.length IS NOT NULL
  AND {{songplay_id(e)}} = e.songplay_id;

-- The run's days are listed anew: their rows whose play has a song now or is gone go, and the run's
-- plays are listed again (a re-run log may name another song for the same event).
DELETE FROM etl_unmatched_plays
WHERE CAST(start_time AS DATE) IN ({{days}})
  AND songplay_id NOT IN (SELECT songplay_id FROM etl_songplay_names WHERE matched = 0 AND CAST(start_time AS DATE) IN ({{days}}));
DELETE FROM etl_unmatched_plays WHERE songplay_id IN (SELECT songplay_id FROM rematch_run_plays);
INSERT INTO etl_unmatched_plays (songplay_id, start_time, song_key, artist_key, length)
SELECT songplay_id, start_time, song_key, artist_key, length FROM rematch_run_plays;

-- The keys that may match listed plays now: those of the songs the run staged, as etl_song_keys holds
-- them, and those of the plays the run just listed (a run that published songs after this run's
-- songplays publish read the keys found no listing of these plays yet).
CREATE TEMP TABLE rematch_keys AS
SELECT title_key AS song_key, artist_key
FROM etl_song_keys
WHERE song_id IN (SELECT song_id FROM staging_songs WHERE run_id = {{run_id}})
UNION
SELECT song_key, artist_key FROM rematch_run_plays;

-- Each listed play naming one of those keys, with the song it matches now.
CREATE TEMP TABLE rematch_plays AS
WITH candidates AS (
  SELECT u.songplay_id, k.song_id, k.artist_id,
         ROW_NUMBER() OVER (PARTITION BY u.songplay_id ORDER BY ABS(k.duration - u.length), {{byte_order(k.song_id)}}) AS pick
  FROM etl_unmatched_plays u
  JOIN rematch_keys r ON r.song_key = u.song_key AND r.artist_key = u.artist_key
  JOIN etl_song_keys k ON k.title_key = u.song_key AND k.artist_key = u.artist_key AND ABS(k.duration - u.length) <= {{duration_tolerance}}
)
SELECT songplay_id, song_id, artist_id FROM candidates WHERE pick = 1;

-- With statistics: usually empty, and then PostgreSQL reads songplays by its key for none.
ANALYZE rematch_plays;

-- Only plays still without a song: a listed play another publish has matched since keeps its song.
UPDATE songplays SET song_id = m.song_id, artist_id = m.artist_id
FROM rematch_plays m
WHERE songplays.songplay_id = m.songplay_id AND songplays.song_id IS NULL;
UPDATE etl_songplay_names SET matched = 1
WHERE matched = 0 AND songplay_id IN (SELECT songplay_id FROM rematch_plays);
DELETE FROM etl_unmatched_plays WHERE songplay_id IN (SELECT songplay_id FROM rematch_plays);

{{session_drops}}DROP TABLE rematch_plays;
{{session_drops}}DROP TABLE rematch_keys;
{{session_drops}}DROP TABLE rematch_run_plays;
{{session_drops}}DROP TABLE rematch_run_events;
