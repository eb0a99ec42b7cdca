-- Plays matched late: a song published after the plays that name it were published matches them.
-- Each songplays publish lists its plays without a song in etl_unmatched_plays
-- (sql/schema/etl_play_names.sql) with what they name; here every listed play, of any day, that names
-- a song the run staged (or that the run listed) gets the song a publish would give it now: the
-- keys, tolerance and tie-breaks of sql/transform/songplays.sql (closest duration, then the smallest
-- song_id). Only listed plays are read, never all of songplays.
-- Runs after the songplays publish, in a transaction of its own that locks what it writes first (on
-- Redshift the publish's batch is full): docs/operations.md says why overlapping runs leave no play behind.

-- The statements below read the list as the run's publish left it, planned from its statistics: where late
-- matches had emptied it and an ANALYZE ran before VACUUM gave its pages back, those said no rows on
-- its pages, and PostgreSQL planned every read of it for one row whatever the run inserted (a
-- list of 275,600 plays at 1.6M events rescanned per row). ANALYZE samples a bounded number of rows.
ANALYZE etl_unmatched_plays;

-- The plays the run listed (its songplays publish lists its plays without a song, in its own
-- transaction: sql/transform/songplays.sql), with what they name: the list's rows of the run's days
-- (read by their start time; a kept play of another day's log there, listed by its own run, is
-- compared too, and gets a song only where a publish would give it one), and of its logs' cross-day
-- plays outside them, by start time and key.
CREATE TEMP TABLE rematch_run_plays AS
SELECT u.songplay_id, u.start_time, u.song_key, u.artist_key, u.length
FROM etl_unmatched_plays u
WHERE {{day_in(CAST(u.start_time AS DATE))}}
  AND u.start_time >= CAST({{first_day}} AS TIMESTAMP) AND u.start_time < CAST({{last_day}} AS TIMESTAMP) + INTERVAL '1 day';
INSERT INTO rematch_run_plays (songplay_id, start_time, song_key, artist_key, length)
SELECT u.songplay_id, u.start_time, u.song_key, u.artist_key, u.length
FROM etl_unmatched_plays u
JOIN (
  SELECT DISTINCT songplay_id, start_time
  FROM etl_cross_day_plays
  WHERE {{day_in(log_date)}} AND {{day_not_in(CAST(start_time AS DATE))}}
) AS o ON o.start_time = u.start_time AND o.songplay_id = u.songplay_id;

ANALYZE rematch_run_plays;

-- The keys of the songs the run staged, as etl_song_keys holds them: usually none on a day without
-- song files.
CREATE TEMP TABLE rematch_keys AS
SELECT DISTINCT title_key AS song_key, artist_key
FROM etl_song_keys
WHERE song_id IN (SELECT song_id FROM staging_songs WHERE run_id = {{run_id}});

ANALYZE rematch_keys;

-- The songs of the other keys whose title a play the run listed names (none when the run staged
-- every song): the plays the run listed are compared with these, and are in the list,
-- so the pass over the list compares them with the songs of the run's keys. A table, with
-- statistics, so that PostgreSQL hashes it before it reads the run's plays: when it is empty, the
-- join ends at the first of them (as a join of the three tables, PostgreSQL could join the run's
-- plays to every song first and drop the run's keys after). The titles keep it to the songs the
-- run's plays may match: on a day without song files every song is of another key, and the whole
-- catalogue was copied each night (1,014,200 songs: 0.67-0.71 CPU-s on PostgreSQL to copy and
-- analyze; 0.12-0.13 now, 8,103 songs for a day's 9,095 listed plays). By title alone: PostgreSQL
-- hashes the plays' titles and reads the songs through them (for the pair it hashed every song).
CREATE TEMP TABLE rematch_other_songs AS
SELECT k.title_key, k.artist_key, k.song_id, k.artist_id, k.duration
FROM etl_song_keys k
LEFT JOIN rematch_keys r ON r.song_key = k.title_key AND r.artist_key = k.artist_key
WHERE r.song_key IS NULL AND k.title_key IN (SELECT song_key FROM rematch_run_plays);

ANALYZE rematch_other_songs;

-- Each listed play that may match a song now, with the song it matches: the listed plays of any day
-- naming a key of the run's songs (one pass over the list, none when the run staged no song: the
-- join ends at its first row), and the plays the run listed against the songs of the other
-- keys (songs another run published after this run's songplays publish read the keys). Together every song for the run's plays, each once: against every
-- song, the second part compared them again with the songs of the run's keys (at 1.6M events, where
-- the run stages every song, 0.50-0.73 CPU-s on PostgreSQL; 0.17-0.37 now). A play
-- listed under two triples may have candidates in both parts: the pick is among all of them.
CREATE TEMP TABLE rematch_plays AS
WITH candidates AS (
  SELECT u.songplay_id, u.start_time, k.song_id, k.artist_id, ABS(k.duration - u.length) AS distance
  FROM etl_unmatched_plays u
  JOIN rematch_keys r ON r.song_key = u.song_key AND r.artist_key = u.artist_key
  JOIN etl_song_keys k ON k.title_key = u.song_key AND k.artist_key = u.artist_key AND ABS(k.duration - u.length) <= {{duration_tolerance}}
  UNION ALL
  SELECT p.songplay_id, p.start_time, k.song_id, k.artist_id, ABS(k.duration - p.length) AS distance
  FROM rematch_run_plays p
  JOIN rematch_other_songs k ON k.title_key = p.song_key AND k.artist_key = p.artist_key AND ABS(k.duration - p.length) <= {{duration_tolerance}}
),
ranked AS (
  SELECT songplay_id, start_time, song_id, artist_id,
         ROW_NUMBER() OVER (PARTITION BY songplay_id ORDER BY distance, {{byte_order(song_id)}}) AS pick
  FROM candidates
)
SELECT songplay_id, start_time, song_id, artist_id FROM ranked WHERE pick = 1;

-- With statistics: usually empty, and then PostgreSQL reads songplays by its key for none.
ANALYZE rematch_plays;

-- Only plays still without a song: a listed play another publish has matched since keeps its song.
UPDATE songplays SET song_id = m.song_id, artist_id = m.artist_id
FROM rematch_plays m
WHERE songplays.songplay_id = m.songplay_id AND songplays.song_id IS NULL;
-- By start time and key, so PostgreSQL finds them by the indexes on start_time, not by a pass over
-- every day.
UPDATE etl_songplay_names SET matched = 1
FROM rematch_plays m
WHERE etl_songplay_names.matched = 0 AND etl_songplay_names.start_time = m.start_time AND etl_songplay_names.songplay_id = m.songplay_id;
DELETE FROM etl_unmatched_plays
USING rematch_plays m
WHERE etl_unmatched_plays.start_time = m.start_time AND etl_unmatched_plays.songplay_id = m.songplay_id;

{{session_drops}}DROP TABLE rematch_plays;
{{session_drops}}DROP TABLE rematch_other_songs;
{{session_drops}}DROP TABLE rematch_keys;
{{session_drops}}DROP TABLE rematch_run_plays;
