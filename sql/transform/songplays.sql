-- songplays: one row per NextSong event (with a user) staged by this run.
-- Sources: staging_events; etl_text_repairs (repaired text and match keys); etl_song_keys.
-- Key: songplay_id = md5 of the event's identity, so the same event always gets the same id and
-- re-loading replaces it. A play gets a song when its repaired title and artist equal a song's
-- (case-folded) and the durations differ by at most {{duration_tolerance}} s; among several
-- candidates, the closest duration, then the smallest song_id. Delete + insert, not MERGE: the
-- same file runs on every engine and also drops plays of replaced days (docs/redshift.md).
-- DuckDB runs sql/transform/duckdb/songplays.sql instead: the same rows without publish_songplays
-- (test/unit/duckdbSongplaysDirect.test.ts holds the two files to the same result).
CREATE {{publish_lookup_table}} publish_play_songs AS
WITH play_triples AS (
  -- A play's song and name depend only on its raw (title, artist, length), so songs are matched
  -- and names repaired once per such triple, not once per play: the run's distinct raw triples (a
  -- small hash aggregate), NULL parts included (such a triple matches no song, but names a play),
  -- with the number of staged plays of each (copies included).
  SELECT song, artist, length, COUNT(*) AS plays
  FROM staging_events
  WHERE run_id = {{run_id}} AND page = 'NextSong' AND TRIM(userid) <> ''
  GROUP BY song, artist, length
),
keyed_triples AS (
  SELECT t.song, t.artist, t.length, t.plays, song.match_key AS song_key, artist.match_key AS artist_key,
         song.repaired AS title_repaired, artist.repaired AS artist_repaired
  FROM play_triples t
  LEFT JOIN etl_text_repairs song ON song.run_id = {{run_id}} AND song.kind = 'text' AND song.raw = t.song
  LEFT JOIN etl_text_repairs artist ON artist.run_id = {{run_id}} AND artist.kind = 'text' AND artist.raw = t.artist
),
-- Each triple's match keys as they are, not SELECT DISTINCT of them: a key two raw triples share is
-- joined twice, and its pick is the same song. PostgreSQL estimates a DISTINCT of a CTE's columns
-- (which have no statistics) at a tenth of its rows: 200 for 2,819 at 20,000 events.
key_candidates AS (
  SELECT t.song_key, t.artist_key, t.length, k.song_id, k.artist_id,
         ROW_NUMBER() OVER (PARTITION BY t.song_key, t.artist_key, t.length ORDER BY ABS(k.duration - t.length), {{byte_order(k.song_id)}}) AS pick
  FROM keyed_triples t
  JOIN etl_song_keys k
    ON k.title_key = t.song_key AND k.artist_key = t.artist_key AND ABS(k.duration - t.length) <= {{duration_tolerance}}
),
-- strict: the raw (title, artist, duration) of a song, the textbook rule, for the run's match statistics.
strict_keys AS (
  SELECT DISTINCT title_raw, artist_name_raw, duration FROM etl_song_keys
)
-- Plays find their triple by (song_k, artist_k, length_k, nulls): the parts with NULL made '' or 0
-- and which parts were NULL, so a play with a NULL part finds its triple too, by one hash join.
-- triple_id numbers the triples for this publish only (the play's name goes by it, below).
SELECT ROW_NUMBER() OVER () AS triple_id,
       COALESCE(t.song, '') AS song_k, COALESCE(t.artist, '') AS artist_k, COALESCE(t.length, 0) AS length_k,
       {{triple_nulls(t)}} AS nulls,
       m.song_id, m.artist_id,
       CASE WHEN strict.title_raw IS NULL THEN 0 ELSE 1 END AS strict_match,
       t.song_key, t.artist_key,
       COALESCE(t.title_repaired, t.song, '(unknown)') AS title,
       COALESCE(t.artist_repaired, t.artist, '(unknown)') AS artist_name,
       t.plays
FROM keyed_triples t
LEFT JOIN key_candidates m ON m.pick = 1 AND m.song_key = t.song_key AND m.artist_key = t.artist_key AND m.length = t.length
LEFT JOIN strict_keys strict ON strict.title_raw = t.song AND strict.artist_name_raw = t.artist AND strict.duration = t.length;

-- A table of its own, with statistics: PostgreSQL estimates a three-column join on a subquery's
-- output at one row, and then rescans it for every play (a nested loop) instead of hashing it.
-- On PostgreSQL of the columns the statements below join it by only: the texts and ids it carries
-- are not joined on, and their statistics were most of the ANALYZE (0.13-0.15 CPU-s at 1.6M events,
-- now 0.05-0.06).
ANALYZE publish_play_songs{{postgres_analyze_columns(song_k, artist_k, length_k, nulls, triple_id)}};

-- The run's repairs that change a text: a play's location or user agent is its repaired form only
-- when that differs (a text repaired to itself, or not at all, stays as staged). Only these are
-- hashed for every play (about half the texts, and no run_id in the key): a smaller hash table per
-- join, which DuckDB must hold in its pool while every play streams past it. Compared with a '|'
-- after each side: Redshift ignores trailing blanks when comparing text, and a repair may trim them.
CREATE {{publish_lookup_table}} publish_text_changes AS
SELECT kind, raw, repaired
FROM etl_text_repairs
WHERE run_id = {{run_id}} AND repaired || '|' <> raw || '|';

ANALYZE publish_text_changes;

-- The run's events staged more than once (e.g. present in two files, or with userId '007' in one and
-- '7' in the other): usually none. Grouped by the columns songplay_id is made of, the user as the
-- whole number it hashes (so equal columns <=> equal ids), not by the id itself, which would cost an
-- md5 per event. PostgreSQL groups them by sorting, ts first
-- (nearly unique, so most comparisons end at one integer), each worker its share: hashing kept a
-- group per event in one process (188 MB at 1.6M events, spilled to disk at 8M) and cost about
-- twice the CPU. The setting holds for this statement only. Where songplays' primary key refuses a
-- play id given twice (PostgreSQL), the publish first runs with copies_counted FALSE: this table is
-- empty without reading a row, and only if the key then refuses a play does the publish run again,
-- with the copies counted (engineTraits.ts copiesFoundByKey).
{{postgres_setting(enable_hashagg = off)}};
CREATE {{publish_lookup_table}} publish_play_copies AS
SELECT CAST(TRIM(userid) AS INTEGER) AS user_id, sessionid, iteminsession, ts
FROM staging_events
WHERE {{copies_counted}} AND run_id = {{run_id}} AND page = 'NextSong' AND TRIM(userid) <> ''
GROUP BY ts, sessionid, iteminsession, CAST(TRIM(userid) AS INTEGER)
HAVING COUNT(*) > 1;
{{postgres_setting(enable_hashagg = on)}};

ANALYZE publish_play_copies;

-- The staged copies of the events staged more than once (usually none), each with its triple's
-- song, match keys and strict match, in a table with statistics: PostgreSQL estimates a
-- four-column join of staging to publish_play_copies at one row, and then joined the repairs to
-- every copy by nested loops (over 280 s for 4,228 copies at 1.6M events). Inner joins, so each
-- engine hashes the few copies rather than the triples (every play has its triple, by the same
-- filter); on DuckDB, LEFT JOINs from the copies hashed every triple and text repair even when there
-- was no copy, which ran out of a 128 MiB pool at 8M events. Without copies, nothing is read (a
-- one-time filter): PostgreSQL could otherwise join every play to its triple first and probe the
-- empty copies once per play, a plan its statistics of staging sometimes favoured (8.0 s at 8M
-- events in one of four runs, 0.1 s in the others).
CREATE TEMP TABLE publish_copy_events AS
SELECT e.source_key, e.source_line, e.userid, e.sessionid, e.iteminsession, e.ts, e.level,
       e.location, e.useragent, e.length,
       m.triple_id, m.song_id, m.artist_id, m.strict_match, m.song_key, m.artist_key
FROM staging_events e
JOIN publish_play_copies c
  ON {{play_copy_match(c, e)}}
JOIN publish_play_songs m
  ON {{play_triple_match(m, e)}}
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND EXISTS (SELECT 1 FROM publish_play_copies);

ANALYZE publish_copy_events;

-- The plays of events staged more than once: one play per event. Which copy is kept depends only
-- on the copies' own content, the same on every engine: a 'paid' copy over a 'free' one, the rule
-- users takes a user's level by (sql/transform/users.sql), so the two agree; then the smallest md5
-- of the fields a play is made of (md5 hex sorts alike under any collation; NULL is ''; length in
-- whole milliseconds, so no engine's float formatting enters). Copies with equal content make equal plays, so file and
-- line only order those. The play matches strictly when any copy does. Kept apart until the plays
-- of events staged once are written (below), since the names of both come first.
CREATE TEMP TABLE publish_copy_plays AS
WITH next_song_events AS (
  SELECT {{songplay_id(e)}} AS songplay_id,
         {{epoch_ms_to_timestamp(e.ts)}} AS start_time,
         CAST(TRIM(e.userid) AS INTEGER) AS user_id,
         e.level,
         e.sessionid AS session_id,
         COALESCE(location.repaired, e.location) AS location,
         COALESCE(user_agent.repaired, e.useragent) AS user_agent,
         e.song_key,
         e.artist_key,
         e.length,
         e.strict_match,
         e.song_id,
         e.artist_id,
         e.triple_id,
         e.source_key,
         e.source_line
  FROM publish_copy_events e
  LEFT JOIN publish_text_changes location ON location.kind = 'text' AND location.raw = e.location
  LEFT JOIN publish_text_changes user_agent ON user_agent.kind = 'user_agent' AND user_agent.raw = e.useragent
),
copies AS (
  SELECT e.*,
         MAX(e.strict_match) OVER (PARTITION BY e.songplay_id) AS any_strict_match,
         ROW_NUMBER() OVER (
           PARTITION BY e.songplay_id
           ORDER BY {{byte_order(e.level)}} DESC NULLS LAST,
                    md5(COALESCE(e.level, '') || '|' || COALESCE(e.location, '') || '|' || COALESCE(e.user_agent, '') || '|' ||
                        COALESCE(e.song_key, '') || '|' || COALESCE(e.artist_key, '') || '|' ||
                        {{length_ms_text(e.length)}}),
                    e.source_key, e.source_line
         ) AS copy_no
  FROM next_song_events e
)
SELECT u.songplay_id, u.start_time, u.user_id, u.level, u.song_id, u.artist_id, u.session_id, u.location, u.user_agent,
       u.any_strict_match AS strict_match, u.triple_id
FROM copies u
WHERE u.copy_no = 1;

-- How many plays of events staged once each triple has (its staged plays less its copies): with
-- the copies' plays, the run's match statistics and the triples whose names its plays use, without
-- another pass over every play.
CREATE TEMP TABLE publish_triple_plays AS
SELECT m.triple_id, m.plays - COALESCE(c.copies, 0) AS plays
FROM publish_play_songs m
LEFT JOIN (SELECT triple_id, COUNT(*) AS copies FROM publish_copy_events GROUP BY triple_id) AS c ON c.triple_id = m.triple_id
WHERE m.plays - COALESCE(c.copies, 0) > 0;

-- What each play names, for the insights report (sql/schema/etl_play_names.sql): its own title
-- and artist, repaired, as a small name_id beside the play, replaced exactly as songplays is below.
-- Names come from the triples (publish_play_songs, repaired once per triple) that the run's plays
-- use; a name not seen before is numbered after the largest name_id (songplays publishes take
-- their table locks one at a time). Numbered before the plays are written, so each play carries
-- its name_id from the pass that makes it, and etl_songplay_names is a copy of columns, not a join.
CREATE TEMP TABLE publish_play_names AS
SELECT t.triple_id, t.title, t.artist_name
FROM publish_play_songs t
JOIN (
  SELECT triple_id FROM publish_triple_plays
  UNION
  SELECT triple_id FROM publish_copy_plays
) used ON used.triple_id = t.triple_id;

-- The largest name_id as a scalar subquery, which PostgreSQL computes once: as a join to the new
-- names it was planned as a Nested Loop that read etl_play_names again per new name (test/plans.test.ts).
INSERT INTO etl_play_names (name_id, title, artist_name)
SELECT (SELECT COALESCE(MAX(name_id), 0) FROM etl_play_names) + ROW_NUMBER() OVER (ORDER BY md5(n.title || '|' || n.artist_name), n.title, n.artist_name), n.title, n.artist_name
FROM (SELECT DISTINCT title, artist_name FROM publish_play_names) n
LEFT JOIN etl_play_names known ON known.title = n.title AND known.artist_name = n.artist_name
WHERE known.name_id IS NULL;

-- Each used triple's name_id.
CREATE TEMP TABLE publish_play_name_ids AS
SELECT t.triple_id, known.name_id
FROM publish_play_names t
JOIN etl_play_names known ON known.title = t.title AND known.artist_name = t.artist_name;

ANALYZE publish_play_name_ids;

-- The triples as the pass over every play below joins them: by the play's raw parts, with the
-- play's song, strict match and name_id. One hash table, which the workers share (a Parallel Hash:
-- below), narrower than publish_play_songs (no texts but those it is joined on), and no second join
-- for the name.
CREATE {{publish_lookup_table}} publish_play_triples AS
SELECT m.song_k, m.artist_k, m.length_k, m.nulls, m.song_id, m.artist_id, m.strict_match, n.name_id, m.triple_id
FROM publish_play_songs m
LEFT JOIN publish_play_name_ids n ON n.triple_id = m.triple_id;

-- Of its join keys only, as publish_play_songs above.
ANALYZE publish_play_triples{{postgres_analyze_columns(song_k, artist_k, length_k, nulls)}};

-- Cross-day plays (sql/schema/etl_cross_day_plays.sql): those of other days' logs that fall on
-- the run's days, which the day replace below keeps (unless the run stages the same event itself:
-- removed once publish_songplays is written). Usually none.
CREATE TEMP TABLE publish_kept_plays AS
SELECT DISTINCT songplay_id
FROM etl_cross_day_plays
WHERE {{day_in(CAST(start_time AS DATE))}} AND {{day_not_in(log_date)}};

-- The run's event logs (log_data/…/YYYY-MM-DD-events.json, whose dates are the run's days), each with
-- its day's first epoch millisecond: an event of one is a cross-day play of that log when its ts
-- falls outside that day. A lookup table (publish_lookup_table): joined to staging below.
CREATE {{publish_lookup_table}} publish_run_logs AS
SELECT source_key, {{event_log_date(source_key)}} AS log_date, {{event_log_day_start(source_key)}} AS day_start
FROM etl_run_files
WHERE run_id = {{run_id}} AND kind = 'events' AND {{log_day_in(source_key)}};

-- The run's plays that the deletes below replace by key, and its cross-day plays with their log's
-- date. A run of one log (a day's run) needs no pass over staging: its cross-day plays are its plays
-- outside its day, added below once publish_songplays is written. A run of several logs finds its
-- own here, each event against its file's day (copies included; a Redshift COPY of several files
-- names none, so there are none); its plays outside its days join them below. Usually a few.
CREATE TEMP TABLE publish_outside_plays AS
SELECT DISTINCT {{songplay_id(e)}} AS songplay_id, {{epoch_ms_to_timestamp(e.ts)}} AS start_time, l.log_date AS cross_day_log
FROM staging_events e
JOIN publish_run_logs l ON l.source_key = e.source_key
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND {{outside_log_day(e.ts, l.day_start)}}
  AND (SELECT COUNT(*) FROM publish_run_logs) > 1;

-- The plays of events staged once: no dedup to do, one pipelined pass (scan, repaired text, the
-- song, strict match and name_id of the play's raw triple). The anti-join is a LEFT JOIN … IS NULL (one row
-- per key in publish_play_copies): DuckDB runs NOT EXISTS here as a delim join that groups every
-- play, which ran out of a 256 MiB pool. Fragment publish_table (src/warehouse/sql.ts): a TEMP
-- TABLE on Redshift, a table of the database on DuckDB, an UNLOGGED one on PostgreSQL, like the
-- tables it joins (publish_lookup_table), so that workers can scan, join, hash and sort the plays
-- in parallel. On PostgreSQL written in key order (primary_key_order), sorted here by the workers,
-- so the insert into songplays reads it in that order without a sort of its own. PostgreSQL costed
-- the hash join to the triples above a sort of every play by their four keys for a merge join; that
-- sort was the largest part of this pass at 1.6M events (7.5-9.0 CPU-s, 4.7-5.3 with the hash join),
-- so merge joins are off for this statement only. The tables it hashes are below PostgreSQL's
-- min_parallel_table_scan_size (8MB: the triples are 7.7 MB at 1.6M events), so each of the three
-- processes scanned and hashed each of them for itself; with the threshold at 0 for this statement
-- they are Parallel Hashes, built once and shared (about 0.2 of ~5.9 CPU-s less at 1.6M events).
-- The plays are a subquery so that the key order may be an expression of their songplay_id: where
-- the key is built after the rows (a first load on PostgreSQL), it folds to no order at all.
{{postgres_setting(enable_mergejoin = off)}};
{{postgres_setting(min_parallel_table_scan_size = 0)}};
CREATE {{publish_table}} publish_songplays AS
SELECT * FROM (
  SELECT {{songplay_id(e)}} AS songplay_id,
         {{epoch_ms_to_timestamp(e.ts)}} AS start_time,
         CAST(TRIM(e.userid) AS INTEGER) AS user_id,
         e.level,
         m.song_id,
         m.artist_id,
         e.sessionid AS session_id,
         COALESCE(location.repaired, e.location) AS location,
         COALESCE(user_agent.repaired, e.useragent) AS user_agent,
         COALESCE(m.strict_match, 0) AS strict_match,
         m.name_id,
         CASE WHEN m.song_id IS NULL THEN m.triple_id END AS unmatched_triple_id
  FROM staging_events e
  LEFT JOIN publish_text_changes location ON location.kind = 'text' AND location.raw = e.location
  LEFT JOIN publish_text_changes user_agent ON user_agent.kind = 'user_agent' AND user_agent.raw = e.useragent
  LEFT JOIN publish_play_triples m
    ON {{play_triple_match(m, e)}}
  LEFT JOIN publish_play_copies c
    ON {{play_copy_match(c, e)}}
  WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
    AND c.user_id IS NULL
) AS plays
{{primary_key_order(songplay_id)}};
{{postgres_setting(enable_mergejoin = on)}};
{{postgres_setting(min_parallel_table_scan_size = DEFAULT)}};

-- The copies' plays after the others, so the primary key's B-tree below still fills at its right edge.
INSERT INTO publish_songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, strict_match, name_id, unmatched_triple_id)
SELECT p.songplay_id, p.start_time, p.user_id, p.level, p.song_id, p.artist_id, p.session_id, p.location, p.user_agent, p.strict_match, n.name_id,
       CASE WHEN p.song_id IS NULL THEN p.triple_id END
FROM publish_copy_plays p
LEFT JOIN publish_play_name_ids n ON n.triple_id = p.triple_id;

-- The run replaces its days (the window's dates, or for a run over every file the dates of the logs
-- it listed), so plays that vanished from a changed or deleted log go too, but not the kept plays
-- other days' logs put there. Then by key the run's plays outside its days and its cross-day plays
-- (an event logged in another day's file) and its logs' earlier ones. Separate deletes,
-- not one with IN (…) OR …, which can only run as a SubPlan per songplay. A play's id holds its ts,
-- so it fixes its day: the first delete took every play of the run's days, and by key only plays
-- outside them are left to replace; publish_outside_plays holds those, so PostgreSQL does not probe
-- songplays' index once per play (the temp table has no statistics).
-- The run's logs' earlier cross-day plays go by key too (an event gone from its log takes its play):
-- the second part, in the same statement (a Redshift publish is one batch of at most 40 SQLs).
INSERT INTO publish_outside_plays (songplay_id, start_time, cross_day_log)
SELECT p.songplay_id, p.start_time, only_log.log_date
FROM publish_songplays p
CROSS JOIN (SELECT CASE WHEN COUNT(*) = 1 THEN MIN(log_date) END AS log_date FROM publish_run_logs) AS only_log
WHERE CASE WHEN {{day_in(CAST(p.start_time AS DATE))}} THEN 0 ELSE 1 END = 1
UNION ALL
SELECT songplay_id, start_time, NULL FROM etl_cross_day_plays WHERE {{day_in(log_date)}};
-- A listed play of another day's log that the run stages itself is the run's now (its event moved
-- to one of the run's logs, or is in both): a kept play is replaced by the run's, and its listing
-- goes below, or a later run of that log would delete it by key, as a play its log no longer has.
-- Usually none are listed.
DELETE FROM publish_kept_plays USING publish_songplays p WHERE p.songplay_id = publish_kept_plays.songplay_id;
-- The days' plays are also bounded by a start-time range, from the first of the days to the end of
-- the last (LEAST and GREATEST of the days' 'YYYY-MM-DD' texts, which sort as the dates do): no index
-- serves the day predicate, so PostgreSQL read every day's plays for it; the range it reads by
-- songplays_time (sql/schema/songplays.sql), and Redshift and DuckDB skip blocks by start_time.
-- PostgreSQL costs that index by how start_time follows the table's order as a whole, not by how few
-- block ranges hold a day: where a publish before sql/postgres/publish_scan_from_start.sql wrote its
-- plays wrapped around (a correlation of about 0), it read every play instead, 1.6 s of a night at 8M
-- events against 0.3 s by the index. So no sequential scan for the deletes by the days' start times,
-- here and in etl_songplay_names and etl_unmatched_plays below: a run of every day reads every block
-- range by the index, about what a scan reads.
{{postgres_setting(enable_seqscan = off)}};
DELETE FROM songplays
WHERE {{in_days(start_time)}}
  AND NOT EXISTS (SELECT 1 FROM publish_kept_plays k WHERE k.songplay_id = songplays.songplay_id);
{{postgres_setting(enable_seqscan = on)}};
DELETE FROM songplays WHERE songplay_id IN (SELECT songplay_id FROM publish_outside_plays);
-- In publish_songplays' order: on PostgreSQL the key order it was written in, then the plays of
-- copies (usually none), so the primary key's B-tree fills at its right edge (a matter of speed only).
INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
FROM publish_songplays;

-- How the run's plays matched songs (stats/match_stats.sql reads it): plays, strict matches and
-- plays with a song, counted from the triples' plays and the copies' plays, not from every play.
DELETE FROM etl_match_stats WHERE run_id = {{run_id}};
INSERT INTO etl_match_stats (run_id, plays, strict_matches, repaired_matches)
SELECT {{run_id}}, COALESCE(SUM(plays), 0), COALESCE(SUM(plays * strict_match), 0), COALESCE(SUM(CASE WHEN song_id IS NULL THEN 0 ELSE plays END), 0)
FROM (
  SELECT t.plays, m.strict_match, m.song_id
  FROM publish_triple_plays t
  JOIN publish_play_songs m ON m.triple_id = t.triple_id
  UNION ALL
  SELECT 1, strict_match, song_id FROM publish_copy_plays
) AS plays;

-- By the same range as songplays, which PostgreSQL reads by etl_songplay_names_time (sql/schema/etl_play_names.sql).
{{postgres_setting(enable_seqscan = off)}};
DELETE FROM etl_songplay_names
WHERE {{in_days(start_time)}}
  AND NOT EXISTS (SELECT 1 FROM publish_kept_plays k WHERE k.songplay_id = etl_songplay_names.songplay_id);
-- By key, within the outside plays' start times: etl_songplay_names has no index on songplay_id, and
-- PostgreSQL read every day's rows for a few plays; the range it reads by etl_songplay_names_time.
-- Nothing at all without outside plays (usually): their times are then NULL, which PostgreSQL's
-- index scan, with sequential scans off, took as every range.
DELETE FROM etl_songplay_names
WHERE songplay_id IN (SELECT songplay_id FROM publish_outside_plays)
  AND start_time >= (SELECT MIN(start_time) FROM publish_outside_plays)
  AND start_time <= (SELECT MAX(start_time) FROM publish_outside_plays)
  AND EXISTS (SELECT 1 FROM publish_outside_plays);
{{postgres_setting(enable_seqscan = on)}};
INSERT INTO etl_songplay_names (songplay_id, start_time, user_id, name_id, matched)
SELECT songplay_id, start_time, user_id, name_id, CASE WHEN song_id IS NULL THEN 0 ELSE 1 END
FROM publish_songplays;

-- The plays without a song that one could match (sql/schema/etl_play_names.sql), replaced as
-- etl_songplay_names is: the run's days but the kept plays, then by key. The run's plays without a
-- song are listed with their triple's match keys and length, in the publish that writes them, so
-- the late matches (sql/transform/unmatched_plays.sql) find them without another pass over staging
-- to learn what each names. A play with a part missing matches no song and is not listed (nulls < 4:
-- its length is given).
{{postgres_setting(enable_seqscan = off)}};
DELETE FROM etl_unmatched_plays
WHERE {{in_days(start_time)}}
  AND NOT EXISTS (SELECT 1 FROM publish_kept_plays k WHERE k.songplay_id = etl_unmatched_plays.songplay_id);
DELETE FROM etl_unmatched_plays
WHERE songplay_id IN (SELECT songplay_id FROM publish_outside_plays)
  AND start_time >= (SELECT MIN(start_time) FROM publish_outside_plays)
  AND start_time <= (SELECT MAX(start_time) FROM publish_outside_plays)
  AND EXISTS (SELECT 1 FROM publish_outside_plays);
{{postgres_setting(enable_seqscan = on)}};
INSERT INTO etl_unmatched_plays (songplay_id, start_time, song_key, artist_key, length)
SELECT p.songplay_id, p.start_time, t.song_key, t.artist_key, t.length_k
FROM publish_songplays p
JOIN publish_play_songs t ON t.triple_id = p.unmatched_triple_id
WHERE t.song_key IS NOT NULL AND t.artist_key IS NOT NULL AND t.nulls < 4;

-- The run's logs' cross-day plays, replaced (read above by the deletes of their earlier plays), and
-- other logs' listings of plays the run took.
DELETE FROM etl_cross_day_plays WHERE {{day_in(log_date)}};
DELETE FROM etl_cross_day_plays USING publish_songplays p WHERE p.songplay_id = etl_cross_day_plays.songplay_id;
INSERT INTO etl_cross_day_plays (songplay_id, start_time, log_date)
SELECT DISTINCT songplay_id, start_time, cross_day_log FROM publish_outside_plays WHERE cross_day_log IS NOT NULL;

-- The publish's intermediates go (on Redshift with the batch's session: session_drops, src/warehouse/sql.ts).
{{session_drops}}DROP TABLE publish_play_names;
{{session_drops}}DROP TABLE publish_play_name_ids;
{{session_drops}}DROP TABLE publish_play_triples;
{{session_drops}}DROP TABLE publish_triple_plays;
{{session_drops}}DROP TABLE publish_copy_plays;
{{session_drops}}DROP TABLE publish_play_songs;
{{session_drops}}DROP TABLE publish_text_changes;
{{session_drops}}DROP TABLE publish_play_copies;
{{session_drops}}DROP TABLE publish_copy_events;
{{session_drops}}DROP TABLE publish_songplays;
{{session_drops}}DROP TABLE publish_kept_plays;
{{session_drops}}DROP TABLE publish_run_logs;
{{session_drops}}DROP TABLE publish_outside_plays;
