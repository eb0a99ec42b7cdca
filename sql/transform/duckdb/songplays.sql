-- songplays on DuckDB: the same plays, match statistics and play names as sql/transform/songplays.sql
-- (read it first: the rules, keys and tie-breaks are the same), without its intermediate of every play.
-- DuckDB writes a table's rows compressed, and reads rows written earlier in the same transaction on one
-- thread: writing every play to publish_songplays, then reading it back into songplays and
-- etl_songplay_names, cost over half this publish (docs/performance-log.md). Here the plays go straight
-- from staging_events into songplays, and into etl_songplay_names by a second pass, both in parallel.

-- The run's distinct raw (title, artist, length) triples, matched and named once each: as in
-- sql/transform/songplays.sql, and with the number of staged plays of each (copies included).
CREATE TEMP TABLE publish_play_songs AS
WITH play_triples AS (
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
key_candidates AS (
  SELECT t.song_key, t.artist_key, t.length, k.song_id, k.artist_id,
         ROW_NUMBER() OVER (PARTITION BY t.song_key, t.artist_key, t.length ORDER BY ABS(k.duration - t.length), {{byte_order(k.song_id)}}) AS pick
  FROM (SELECT DISTINCT song_key, artist_key, length FROM keyed_triples) AS t
  JOIN etl_song_keys k
    ON k.title_key = t.song_key AND k.artist_key = t.artist_key AND ABS(k.duration - t.length) <= {{duration_tolerance}}
),
strict_keys AS (
  SELECT DISTINCT title_raw, artist_name_raw, duration FROM etl_song_keys
)
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

-- The run's repairs that change a text (as in sql/transform/songplays.sql).
CREATE TEMP TABLE publish_text_changes AS
SELECT kind, raw, repaired
FROM etl_text_repairs
WHERE run_id = {{run_id}} AND repaired || '|' <> raw || '|';

-- The run's events staged more than once (usually none), by the user's whole number (as in
-- sql/transform/songplays.sql).
CREATE TEMP TABLE publish_play_copies AS
SELECT CAST(TRIM(userid) AS INTEGER) AS user_id, sessionid, iteminsession, ts
FROM staging_events
WHERE run_id = {{run_id}} AND page = 'NextSong' AND TRIM(userid) <> ''
GROUP BY ts, sessionid, iteminsession, CAST(TRIM(userid) AS INTEGER)
HAVING COUNT(*) > 1;

-- The staged copies of those events, each with its triple (as in sql/transform/songplays.sql).
CREATE TEMP TABLE publish_copy_events AS
SELECT e.source_key, e.source_line, e.userid, e.sessionid, e.iteminsession, e.ts, e.level,
       e.location, e.useragent, e.length,
       m.triple_id, m.song_id, m.artist_id, m.strict_match, m.song_key, m.artist_key
FROM staging_events e
JOIN publish_play_copies c
  ON {{play_copy_match(c, e)}}
JOIN publish_play_songs m
  ON {{play_triple_match(m, e)}}
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> '';

-- The plays of events staged more than once, one per event, the copy kept by the same rule as
-- sql/transform/songplays.sql (a few rows: kept whole).
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
-- a table of every play or another pass over staging.
CREATE TEMP TABLE publish_triple_plays AS
SELECT m.triple_id, m.plays - COALESCE(c.copies, 0) AS plays
FROM publish_play_songs m
LEFT JOIN (SELECT triple_id, COUNT(*) AS copies FROM publish_copy_events GROUP BY triple_id) AS c ON c.triple_id = m.triple_id
WHERE m.plays - COALESCE(c.copies, 0) > 0;

-- Cross-day plays (sql/schema/etl_cross_day_plays.sql), as in sql/transform/songplays.sql: those
-- of other days' logs that the run stages itself, which are the run's now (their listings go
-- below), and those on the run's days that it does not, which the day replace keeps.
CREATE TEMP TABLE publish_taken_plays AS
SELECT DISTINCT x.songplay_id
FROM etl_cross_day_plays x
JOIN staging_events e ON {{epoch_ms_to_timestamp(e.ts)}} = x.start_time
WHERE x.log_date NOT IN ({{days}})
  AND e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND {{songplay_id(e)}} = x.songplay_id;

CREATE TEMP TABLE publish_kept_plays AS
SELECT x.songplay_id
FROM etl_cross_day_plays x
WHERE CAST(x.start_time AS DATE) IN ({{days}}) AND x.log_date NOT IN ({{days}})
EXCEPT
SELECT songplay_id FROM publish_taken_plays;

CREATE TEMP TABLE publish_run_logs AS
SELECT source_key, {{event_log_date(source_key)}} AS log_date, {{event_log_day_start(source_key)}} AS day_start
FROM etl_run_files
WHERE run_id = {{run_id}} AND kind = 'events' AND {{event_log_date(source_key)}} IN ({{days}});

-- The run replaces its days, and by key its plays outside them and its cross-day plays (as in
-- sql/transform/songplays.sql), in songplays here and in etl_songplay_names below. The run's plays
-- are its staged NextSong events with a user, copies included (a copy has its event's id): their
-- ids are hashed only for those events, usually none, in one pass over staging for both tables.
CREATE TEMP TABLE publish_replaced_plays AS
SELECT DISTINCT {{songplay_id(e)}} AS songplay_id, {{epoch_ms_to_timestamp(e.ts)}} AS start_time,
       CASE WHEN {{outside_log_day(e.ts, l.day_start)}} THEN l.log_date END AS cross_day_log
FROM staging_events e
LEFT JOIN publish_run_logs l ON l.source_key = e.source_key
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND (CASE WHEN CAST({{epoch_ms_to_timestamp(e.ts)}} AS DATE) IN ({{days}}) THEN 0 ELSE 1 END = 1
       OR {{outside_log_day(e.ts, l.day_start)}});

-- The run's logs' earlier cross-day plays go by key too (an event gone from its log takes its play).
INSERT INTO publish_replaced_plays (songplay_id, start_time, cross_day_log)
SELECT songplay_id, start_time, NULL FROM etl_cross_day_plays WHERE log_date IN ({{days}});

DELETE FROM songplays
WHERE CAST(start_time AS DATE) IN ({{days}})
  AND NOT EXISTS (SELECT 1 FROM publish_kept_plays k WHERE k.songplay_id = songplays.songplay_id);
DELETE FROM songplays WHERE songplay_id IN (SELECT songplay_id FROM publish_replaced_plays);

-- The plays of events staged once, straight from staging: the same columns as publish_songplays
-- in sql/transform/songplays.sql.
INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT {{songplay_id(e)}},
       {{epoch_ms_to_timestamp(e.ts)}},
       CAST(TRIM(e.userid) AS INTEGER),
       e.level,
       m.song_id,
       m.artist_id,
       e.sessionid,
       COALESCE(location.repaired, e.location),
       COALESCE(user_agent.repaired, e.useragent)
FROM staging_events e
LEFT JOIN publish_text_changes location ON location.kind = 'text' AND location.raw = e.location
LEFT JOIN publish_text_changes user_agent ON user_agent.kind = 'user_agent' AND user_agent.raw = e.useragent
LEFT JOIN publish_play_songs m
  ON {{play_triple_match(m, e)}}
LEFT JOIN publish_play_copies c
  ON {{play_copy_match(c, e)}}
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND c.user_id IS NULL;

INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
FROM publish_copy_plays;

-- The run's match statistics (stats/match_stats.sql reads them): plays, strict matches and plays
-- with a song, of the plays just published.
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

-- What each play names (sql/schema/etl_play_names.sql), as in sql/transform/songplays.sql: the
-- triples of the plays just published, new names numbered after the largest name_id.
CREATE TEMP TABLE publish_play_names AS
SELECT t.triple_id, t.title, t.artist_name
FROM publish_play_songs t
JOIN (
  SELECT triple_id FROM publish_triple_plays
  UNION
  SELECT triple_id FROM publish_copy_plays
) used ON used.triple_id = t.triple_id;

INSERT INTO etl_play_names (name_id, title, artist_name)
SELECT last.name_id + ROW_NUMBER() OVER (ORDER BY md5(n.title || '|' || n.artist_name), n.title, n.artist_name), n.title, n.artist_name
FROM (SELECT DISTINCT title, artist_name FROM publish_play_names) n
CROSS JOIN (SELECT COALESCE(MAX(name_id), 0) AS name_id FROM etl_play_names) last
LEFT JOIN etl_play_names known ON known.title = n.title AND known.artist_name = n.artist_name
WHERE known.name_id IS NULL;

CREATE TEMP TABLE publish_play_name_ids AS
SELECT t.triple_id, known.name_id
FROM publish_play_names t
JOIN etl_play_names known ON known.title = t.title AND known.artist_name = t.artist_name;

DELETE FROM etl_songplay_names
WHERE CAST(start_time AS DATE) IN ({{days}})
  AND NOT EXISTS (SELECT 1 FROM publish_kept_plays k WHERE k.songplay_id = etl_songplay_names.songplay_id);
DELETE FROM etl_songplay_names WHERE songplay_id IN (SELECT songplay_id FROM publish_replaced_plays);
-- Each play of an event staged once by a second pass over staging (its id, start, user and
-- triple), then the copies' plays.
INSERT INTO etl_songplay_names (songplay_id, start_time, user_id, name_id, matched)
SELECT {{songplay_id(e)}},
       {{epoch_ms_to_timestamp(e.ts)}},
       CAST(TRIM(e.userid) AS INTEGER),
       n.name_id,
       CASE WHEN m.song_id IS NULL THEN 0 ELSE 1 END
FROM staging_events e
JOIN publish_play_songs m
  ON {{play_triple_match(m, e)}}
JOIN publish_play_name_ids n ON n.triple_id = m.triple_id
LEFT JOIN publish_play_copies c
  ON {{play_copy_match(c, e)}}
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND c.user_id IS NULL;

INSERT INTO etl_songplay_names (songplay_id, start_time, user_id, name_id, matched)
SELECT p.songplay_id, p.start_time, p.user_id, n.name_id, CASE WHEN p.song_id IS NULL THEN 0 ELSE 1 END
FROM publish_copy_plays p
JOIN publish_play_name_ids n ON n.triple_id = p.triple_id;

-- The plays without a song that one could match, replaced and listed as in
-- sql/transform/songplays.sql: by a pass over staging joined to the triples without a song whose
-- three parts are given (a small table; ids are hashed only for their plays), then the copies' plays.
DELETE FROM etl_unmatched_plays
WHERE CAST(start_time AS DATE) IN ({{days}})
  AND NOT EXISTS (SELECT 1 FROM publish_kept_plays k WHERE k.songplay_id = etl_unmatched_plays.songplay_id);
DELETE FROM etl_unmatched_plays WHERE songplay_id IN (SELECT songplay_id FROM publish_replaced_plays);
CREATE TEMP TABLE publish_unmatched_triples AS
SELECT triple_id, song_k, artist_k, length_k, nulls, song_key, artist_key
FROM publish_play_songs
WHERE song_id IS NULL AND song_key IS NOT NULL AND artist_key IS NOT NULL AND nulls < 4;
INSERT INTO etl_unmatched_plays (songplay_id, start_time, song_key, artist_key, length)
SELECT {{songplay_id(e)}}, {{epoch_ms_to_timestamp(e.ts)}}, m.song_key, m.artist_key, m.length_k
FROM staging_events e
JOIN publish_unmatched_triples m
  ON {{play_triple_match(m, e)}}
LEFT JOIN publish_play_copies c
  ON {{play_copy_match(c, e)}}
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND c.user_id IS NULL;
INSERT INTO etl_unmatched_plays (songplay_id, start_time, song_key, artist_key, length)
SELECT p.songplay_id, p.start_time, m.song_key, m.artist_key, m.length_k
FROM publish_copy_plays p
JOIN publish_unmatched_triples m ON m.triple_id = p.triple_id
WHERE p.song_id IS NULL;

-- The run's logs' cross-day plays, replaced (read above by the deletes of their earlier plays), and
-- other logs' listings of plays the run took.
DELETE FROM etl_cross_day_plays WHERE log_date IN ({{days}});
DELETE FROM etl_cross_day_plays WHERE songplay_id IN (SELECT songplay_id FROM publish_taken_plays);
INSERT INTO etl_cross_day_plays (songplay_id, start_time, log_date)
SELECT songplay_id, start_time, cross_day_log FROM publish_replaced_plays WHERE cross_day_log IS NOT NULL;

DROP TABLE publish_unmatched_triples;
DROP TABLE publish_replaced_plays;
DROP TABLE publish_kept_plays;
DROP TABLE publish_taken_plays;
DROP TABLE publish_run_logs;
DROP TABLE publish_play_names;
DROP TABLE publish_play_name_ids;
DROP TABLE publish_triple_plays;
DROP TABLE publish_copy_plays;
DROP TABLE publish_copy_events;
DROP TABLE publish_play_copies;
DROP TABLE publish_text_changes;
DROP TABLE publish_play_songs;
