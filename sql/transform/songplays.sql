-- songplays: one row per NextSong event (with a user) staged by this run.
-- Sources: staging_events; etl_text_repairs (repaired text and match keys); etl_song_keys.
-- Key: songplay_id = md5 of the event's identity, so the same event always gets the same id and
-- re-loading replaces it. A play gets a song when its repaired title and artist equal a song's
-- (case-folded) and the durations differ by at most {{duration_tolerance}} s; among several
-- candidates, the closest duration, then the smallest song_id. Delete + insert, not MERGE: the
-- same file runs on every engine and also drops plays of replaced days (docs/redshift.md).
CREATE TEMP TABLE publish_play_songs AS
WITH play_triples AS (
  -- A play's song depends only on its raw (title, artist, length), so songs are matched once per
  -- such triple, not once per play: the run's distinct raw triples (a small hash aggregate), then
  -- their match keys. A triple with a NULL part matches nothing (equality never holds); it is kept
  -- for its count of plays, which the match statistics at the end add up.
  SELECT song, artist, length, COUNT(*) AS plays
  FROM staging_events
  WHERE run_id = {{run_id}} AND page = 'NextSong' AND TRIM(userid) <> ''
  GROUP BY song, artist, length
),
keyed_triples AS (
  SELECT t.song, t.artist, t.length, t.plays, song.match_key AS song_key, artist.match_key AS artist_key
  FROM play_triples t
  LEFT JOIN etl_text_repairs song ON song.run_id = {{run_id}} AND song.kind = 'text' AND song.raw = t.song
  LEFT JOIN etl_text_repairs artist ON artist.run_id = {{run_id}} AND artist.kind = 'text' AND artist.raw = t.artist
),
key_candidates AS (
  SELECT t.song_key, t.artist_key, t.length, k.song_id, k.artist_id,
         ROW_NUMBER() OVER (PARTITION BY t.song_key, t.artist_key, t.length ORDER BY ABS(k.duration - t.length), k.song_id) AS pick
  FROM (SELECT DISTINCT song_key, artist_key, length FROM keyed_triples) AS t
  JOIN etl_song_keys k
    ON k.title_key = t.song_key AND k.artist_key = t.artist_key AND ABS(k.duration - t.length) <= {{duration_tolerance}}
),
-- strict: the raw (title, artist, duration) of a song, the textbook rule, for the run's match statistics.
strict_keys AS (
  SELECT DISTINCT title_raw, artist_name_raw, duration FROM etl_song_keys
)
SELECT t.song, t.artist, t.length, t.plays, m.song_id, m.artist_id,
       CASE WHEN strict.title_raw IS NULL THEN 0 ELSE 1 END AS strict_match
FROM keyed_triples t
LEFT JOIN key_candidates m ON m.pick = 1 AND m.song_key = t.song_key AND m.artist_key = t.artist_key AND m.length = t.length
LEFT JOIN strict_keys strict ON strict.title_raw = t.song AND strict.artist_name_raw = t.artist AND strict.duration = t.length;

-- A table of its own, with statistics: PostgreSQL estimates a three-column join on a subquery's
-- output at one row, and then rescans it for every play (a nested loop) instead of hashing it.
ANALYZE publish_play_songs;

-- The run's events that need more than the plain insert below, one row per event: those staged
-- more than once (copies > 1, e.g. present in two files: deduplicated below) and those outside the
-- run's days (outside = 1, an event logged in another day's file: its play is replaced by key).
-- Usually none. Grouped by the columns songplay_id is made of (userid is a whole number, so equal
-- columns <=> equal ids), a hash of four small columns per event instead of sorting every play by its id.
CREATE TEMP TABLE publish_play_copies AS
SELECT TRIM(userid) AS userid, sessionid, iteminsession, ts, COUNT(*) AS copies,
       CASE WHEN CAST({{epoch_ms_to_timestamp(ts)}} AS DATE) IN ({{days}}) THEN 0 ELSE 1 END AS outside
FROM staging_events
WHERE run_id = {{run_id}} AND page = 'NextSong' AND TRIM(userid) <> ''
GROUP BY TRIM(userid), sessionid, iteminsession, ts
HAVING COUNT(*) > 1
    OR CASE WHEN CAST({{epoch_ms_to_timestamp(ts)}} AS DATE) IN ({{days}}) THEN 0 ELSE 1 END = 1;

ANALYZE publish_play_copies;

-- The run replaces its days (the window's dates, or for a run over every file the dates of the
-- logs it listed), so plays that vanished from a changed or deleted log go too. Two deletes, not
-- one with IN (…) OR …, which can only run as a SubPlan per songplay: by day, then by key the
-- plays outside those days (a play's id holds its ts, so it fixes its day).
DELETE FROM songplays WHERE CAST(start_time AS DATE) IN ({{days}});
DELETE FROM songplays WHERE songplay_id IN (
  SELECT {{songplay_id(c)}} FROM publish_play_copies c WHERE c.outside = 1
);

-- The plays of the events staged once (nearly all): published straight from staging in one pipelined
-- pass (scan, repaired text, the song and strict match of the play's raw triple), with no table in
-- between: writing every play to a temporary table and reading it back cost a tenth of the step.
-- The anti-join is a LEFT JOIN … IS NULL (one row per key in publish_play_copies): DuckDB runs
-- NOT EXISTS here as a delim join that groups every play, which ran out of a 256 MiB pool.
INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT {{songplay_id(e)}} AS songplay_id,
       {{epoch_ms_to_timestamp(e.ts)}} AS start_time,
       CAST(TRIM(e.userid) AS INTEGER) AS user_id,
       e.level,
       m.song_id,
       m.artist_id,
       e.sessionid AS session_id,
       COALESCE(location.repaired, e.location) AS location,
       COALESCE(user_agent.repaired, e.useragent) AS user_agent
FROM staging_events e
LEFT JOIN etl_text_repairs location ON location.run_id = e.run_id AND location.kind = 'text' AND location.raw = e.location
LEFT JOIN etl_text_repairs user_agent ON user_agent.run_id = e.run_id AND user_agent.kind = 'user_agent' AND user_agent.raw = e.useragent
LEFT JOIN publish_play_songs m ON m.song = e.song AND m.artist = e.artist AND m.length = e.length
LEFT JOIN publish_play_copies c
  ON c.copies > 1 AND c.userid = TRIM(e.userid) AND c.sessionid = e.sessionid AND c.iteminsession = e.iteminsession AND c.ts = e.ts
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND c.userid IS NULL
{{primary_key_order(songplay_id)}};

-- The staged copies of the events staged more than once (usually none).
CREATE TEMP TABLE publish_copy_events AS
SELECT e.run_id, e.source_key, e.source_line, e.userid, e.sessionid, e.iteminsession, e.ts, e.level,
       e.location, e.useragent, e.song, e.artist, e.length
FROM staging_events e
JOIN publish_play_copies c
  ON c.copies > 1 AND c.userid = TRIM(e.userid) AND c.sessionid = e.sessionid AND c.iteminsession = e.iteminsession AND c.ts = e.ts
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> '';

-- With statistics: PostgreSQL estimates the four-column join above at one row, and then joined
-- the repairs to every copy by nested loops (over 280 s for 4,228 copies at 1.6M events).
ANALYZE publish_copy_events;

-- The plays of the events staged more than once: one play per event. Which copy is kept depends
-- only on the copies' own content, the same on every engine: the smallest md5 of the fields a play
-- is made of (md5 hex sorts alike under any collation; NULL is ''; length in whole milliseconds, so
-- no engine's float formatting enters). Copies with equal content make equal plays, so file and
-- line only order those. The play matches strictly when any copy does. Each row also carries what
-- its copies added to publish_play_songs' counts (copies, strict, matched), which the match
-- statistics take back out. A TEMP TABLE except on DuckDB (fragment publish_table, src/warehouse/sql.ts).
CREATE {{publish_table}} publish_songplays AS
WITH strict_keys AS (
  SELECT DISTINCT title_raw, artist_name_raw, duration FROM etl_song_keys
),
next_song_events AS (
  SELECT {{songplay_id(e)}} AS songplay_id,
         {{epoch_ms_to_timestamp(e.ts)}} AS start_time,
         CAST(TRIM(e.userid) AS INTEGER) AS user_id,
         e.level,
         e.sessionid AS session_id,
         COALESCE(location.repaired, e.location) AS location,
         COALESCE(user_agent.repaired, e.useragent) AS user_agent,
         song.match_key AS song_key,
         artist.match_key AS artist_key,
         e.song,
         e.artist,
         e.length,
         CASE WHEN strict.title_raw IS NULL THEN 0 ELSE 1 END AS strict_match,
         TRIM(e.userid) AS userid,
         e.iteminsession AS item_in_session,
         e.ts,
         e.source_key,
         e.source_line
  FROM publish_copy_events e
  LEFT JOIN etl_text_repairs song ON song.run_id = e.run_id AND song.kind = 'text' AND song.raw = e.song
  LEFT JOIN etl_text_repairs artist ON artist.run_id = e.run_id AND artist.kind = 'text' AND artist.raw = e.artist
  LEFT JOIN etl_text_repairs location ON location.run_id = e.run_id AND location.kind = 'text' AND location.raw = e.location
  LEFT JOIN etl_text_repairs user_agent ON user_agent.run_id = e.run_id AND user_agent.kind = 'user_agent' AND user_agent.raw = e.useragent
  LEFT JOIN strict_keys strict ON strict.title_raw = e.song AND strict.artist_name_raw = e.artist AND strict.duration = e.length
),
copies AS (
  SELECT e.*,
         m.song_id AS copy_song_id,
         m.artist_id AS copy_artist_id,
         COUNT(*) OVER (PARTITION BY e.songplay_id) AS copy_count,
         SUM(e.strict_match) OVER (PARTITION BY e.songplay_id) AS copy_strict,
         SUM(CASE WHEN m.song_id IS NULL THEN 0 ELSE 1 END) OVER (PARTITION BY e.songplay_id) AS copy_matched,
         MAX(e.strict_match) OVER (PARTITION BY e.songplay_id) AS any_strict_match,
         ROW_NUMBER() OVER (
           PARTITION BY e.songplay_id
           ORDER BY md5(COALESCE(e.level, '') || '|' || COALESCE(e.location, '') || '|' || COALESCE(e.user_agent, '') || '|' ||
                        COALESCE(e.song_key, '') || '|' || COALESCE(e.artist_key, '') || '|' ||
                        COALESCE(CAST(CAST(ROUND(e.length * 1000) AS BIGINT) AS VARCHAR), '')),
                    e.source_key, e.source_line
         ) AS copy_no
  FROM next_song_events e
  LEFT JOIN publish_play_songs m ON m.song = e.song AND m.artist = e.artist AND m.length = e.length
)
SELECT songplay_id, start_time, user_id, level, copy_song_id AS song_id, copy_artist_id AS artist_id, session_id, location, user_agent,
       any_strict_match AS strict_match, copy_count, copy_strict, copy_matched
FROM copies
WHERE copy_no = 1;

INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
FROM publish_songplays
{{primary_key_order(songplay_id)}};

-- time holds exactly the start times of songplays: drop those of the replaced days no play has now.
-- After the deletes above, the plays of the replaced days are exactly this run's plays of those
-- days, so the run's staged plays are checked, not all of songplays (all history, for a daily run).
DELETE FROM time
WHERE CAST(start_time AS DATE) IN ({{days}})
  AND NOT EXISTS (
    SELECT 1 FROM staging_events e
    WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
      AND {{epoch_ms_to_timestamp(e.ts)}} = time.start_time
  );

-- How the run's plays matched songs (stats/match_stats.sql reads it), counted here without reading
-- the plays again: every staged play counted once per raw triple (publish_play_songs), less what the
-- copies of the events in publish_songplays added there, plus the one play each of them became.
DELETE FROM etl_match_stats WHERE run_id = {{run_id}};
INSERT INTO etl_match_stats (run_id, plays, strict_matches, repaired_matches)
SELECT {{run_id}},
       t.plays - s.copies + s.plays,
       t.strict_matches - s.copy_strict + s.strict_matches,
       t.matched - s.copy_matched + s.matched
FROM (
  SELECT COALESCE(SUM(plays), 0) AS plays,
         COALESCE(SUM(plays * strict_match), 0) AS strict_matches,
         COALESCE(SUM(CASE WHEN song_id IS NULL THEN 0 ELSE plays END), 0) AS matched
  FROM publish_play_songs
) AS t
CROSS JOIN (
  SELECT COUNT(*) AS plays, COALESCE(SUM(copy_count), 0) AS copies,
         COALESCE(SUM(strict_match), 0) AS strict_matches, COALESCE(SUM(copy_strict), 0) AS copy_strict,
         COUNT(song_id) AS matched, COALESCE(SUM(copy_matched), 0) AS copy_matched
  FROM publish_songplays
) AS s;

DROP TABLE publish_play_songs;
DROP TABLE publish_play_copies;
DROP TABLE publish_copy_events;
DROP TABLE publish_songplays;
