-- users: one row per user id with at least one NextSong event; level is the level of the user's
-- latest event of any page (users change plan mid-month, so they appear once, never twice); first
-- and last name and gender those of the user's latest event that names them (an event of a page
-- like Settings may carry the userId without names).
-- Sources: this run's staging_events (names repaired); etl_user_logs, each event log's own
-- contribution per user (its latest event of theirs, and whether it has a play of theirs), keyed
-- by the date the log's name holds; etl_user_state, the single latest state kept per user before
-- etl_user_logs existed, standing for the logs of etl_run_files with no contributions there yet.
-- The run replaces its logs' contributions, then recomputes each user whose
-- contributions changed from all of them: a corrected log replaces what it gave, and users is what
-- one run over all the logs gives, whatever order the logs were loaded in.
-- Latest means: greatest ts, then greatest item in session, then level 'paid' over 'free' (as
-- songplays keeps the 'paid' copy of an event staged twice).
-- The run's events are first reduced per userid and log as staged, untrimmed (latest ts, whether
-- they played): a small hash aggregate, where ranking every event meant sorting them all (spilling
-- past work_mem on PostgreSQL). The trim and the cast to an id then run once per raw userid and log
-- instead of once per event. publish_run_users keeps each raw userid's candidate ts per log, analyzed:
-- a CTE's row count is a guess, and a guess of a few rows planned the next join as a nested loop.
-- The variants of one id (' 7', '7') meet only in the ranking: a user's winner is at the latest
-- ts of the variant that has it, and a join of every variant to its user's latest ts cost more
-- than ranking the few extra candidates (PostgreSQL at 1.6M events sorted every pair twice for
-- it). Only the events at a raw userid's latest ts in a log can win, so only those are ranked and
-- have names repaired: the second pass finds them on the raw userid, log and ts, hashing ts
-- alone: the userid compared inside a CASE is no hash key (PostgreSQL hashing every event's
-- userid text as well cost ~1.7 CPU-s more at 8M events); a user's latest ts is rarely another's.
-- A Redshift COPY of several logs names no file per row (docs/redshift.md): such an event counts
-- for the run's log of its own day (outside the run's days: its first day before them, else its
-- last), staged_log_key says which.
-- Kept per user and log, a run over every log (the bench's 1.6M events over 30 logs, ~18,700
-- users) groups its events into ~133,000 (user, log) pairs instead of ~18,700 users.
CREATE TEMP TABLE publish_raw_users AS
SELECT userid, {{staged_log_key(source_key, ts)}} AS log_key,
       MAX(ts) AS last_ts, MAX(CASE WHEN firstname IS NOT NULL OR lastname IS NOT NULL THEN ts END) AS name_ts,
       MAX(CASE WHEN page = 'NextSong' THEN 1 ELSE 0 END) AS has_play
FROM staging_events
WHERE run_id = {{run_id}}
GROUP BY userid, {{staged_log_key(source_key, ts)}};

-- Each raw userid's events in a log that can win there (ts): those at its latest ts, and those at
-- its latest named ts when that is earlier (an event without names is later). The variants of one
-- id (' 7', '7') meet in the ranking below, which sees the winners among their candidates.
CREATE TEMP TABLE publish_run_users AS
WITH log_users AS (
  SELECT userid, log_key, last_ts, name_ts, has_play, CAST(TRIM(userid) AS INTEGER) AS user_id,
         CASE WHEN {{log_day_in(log_key)}} THEN {{event_log_date(log_key)}}
              WHEN {{event_log_date(log_key)}} < {{first_day}} THEN {{first_day}}
              ELSE {{last_day}} END AS log_date
  FROM publish_raw_users
  WHERE TRIM(userid) <> ''
)
SELECT userid, log_key, user_id, log_date, last_ts AS ts, has_play FROM log_users
UNION ALL
SELECT userid, log_key, user_id, log_date, name_ts, has_play FROM log_users WHERE name_ts < last_ts;
ANALYZE publish_run_users;

-- The run's staged events that can win their user's contribution from their log: those at a
-- candidate ts of their raw userid and log. Kept apart from the repairs below: in one statement
-- with them, DuckDB held the hash tables of the candidates and of the repaired texts in its pool
-- while every event streamed past, spilled out of the worker's 128 MiB, and took 9 s at 8M events
-- (0.4 s at 1.6M); in two, 1.8 s (docs/performance-log.md).
CREATE TEMP TABLE publish_user_events AS
SELECT u.user_id, u.log_date, e.ts, e.iteminsession AS item, e.level, e.firstname, e.lastname, e.gender, u.has_play
FROM staging_events e
JOIN publish_run_users u
  ON u.ts = e.ts
 AND CASE WHEN u.userid = e.userid AND u.log_key = {{staged_log_key(e.source_key, e.ts)}} THEN 1 ELSE 0 END = 1
WHERE e.run_id = {{run_id}};

-- The run's repairs that change a text (as in sql/transform/songplays.sql, and compared the same
-- way): a candidate's names are these repaired forms, or as staged. About half the run's texts,
-- and of kind 'text' only: a smaller hash table than every repair of the run.
CREATE TEMP TABLE publish_name_changes AS
SELECT raw, repaired
FROM etl_text_repairs
WHERE run_id = {{run_id}} AND kind = 'text' AND repaired || '|' <> raw || '|';
ANALYZE publish_name_changes;

-- Each user's contribution from each of the run's logs: the level of their latest event there, and
-- the names and gender of their latest event there that names them (first or last name given).
CREATE TEMP TABLE publish_log_users AS
WITH staged AS (
  SELECT c.user_id, c.log_date, c.ts, c.item, c.level,
         CASE WHEN c.firstname IS NOT NULL OR c.lastname IS NOT NULL THEN 1 ELSE 0 END AS named,
         COALESCE(first_name.repaired, c.firstname) AS first_name,
         COALESCE(last_name.repaired, c.lastname) AS last_name,
         c.gender, c.has_play
  FROM publish_user_events c
  LEFT JOIN publish_name_changes first_name ON first_name.raw = c.firstname
  LEFT JOIN publish_name_changes last_name ON last_name.raw = c.lastname
),
ranked AS (
  SELECT user_id, log_date, ts, item, level, named, first_name, last_name, gender, has_play,
         ROW_NUMBER() OVER (
           PARTITION BY user_id, log_date
           ORDER BY ts DESC, item DESC NULLS LAST, {{byte_order(level)}} DESC NULLS LAST
         ) AS latest,
         ROW_NUMBER() OVER (
           PARTITION BY user_id, log_date
           ORDER BY named DESC, ts DESC, item DESC NULLS LAST,
                    {{byte_order(first_name)}} NULLS LAST, {{byte_order(last_name)}} NULLS LAST, {{byte_order(gender)}} NULLS LAST
         ) AS latest_named
  FROM staged
)
-- One row per user and log: each column from the one row its pick marks.
SELECT user_id, log_date,
       MAX(CASE WHEN latest = 1 THEN ts END) AS last_ts,
       MAX(CASE WHEN latest = 1 THEN item END) AS last_item,
       MAX(CASE WHEN latest = 1 THEN level END) AS level,
       MAX(CASE WHEN latest_named = 1 AND named = 1 THEN ts END) AS name_ts,
       MAX(CASE WHEN latest_named = 1 AND named = 1 THEN item END) AS name_item,
       MAX(CASE WHEN latest_named = 1 AND named = 1 THEN first_name END) AS first_name,
       MAX(CASE WHEN latest_named = 1 AND named = 1 THEN last_name END) AS last_name,
       MAX(CASE WHEN latest_named = 1 AND named = 1 THEN gender END) AS gender,
       MAX(has_play) AS has_play
FROM ranked
GROUP BY user_id, log_date;

-- The users whose contributions change: those the run's logs gave before and give now (and, below,
-- every user of etl_user_state once no log needs it any more).
CREATE TEMP TABLE publish_changed_users AS
SELECT user_id FROM etl_user_logs WHERE {{day_in(log_date)}}
UNION
SELECT user_id FROM publish_log_users;

DELETE FROM etl_user_logs WHERE {{day_in(log_date)}};
INSERT INTO etl_user_logs (user_id, log_date, last_ts, last_item, level, name_ts, name_item, first_name, last_name, gender, has_play)
SELECT user_id, log_date, last_ts, last_item, level, name_ts, name_item, first_name, last_name, gender, has_play FROM publish_log_users;
-- The run's logs, with or without user events: their contributions are in etl_user_logs now.
DELETE FROM etl_user_log_dates WHERE {{day_in(log_date)}};
INSERT INTO etl_user_log_dates (log_date)
SELECT DISTINCT {{event_log_date(source_key)}}
FROM etl_run_files
WHERE run_id = {{run_id}} AND kind = 'events' AND {{log_day_in(source_key)}};

-- How many dates of event logs a run listed (this one's included: all have theirs now) have no contributions
-- in etl_user_logs: loaded before it existed, or listed by a run not yet past its users publish.
-- While there are any, etl_user_state stands for them: one row per user, their latest event over
-- those logs, and a play when the user is in users. Read only while etl_user_state has rows (a
-- warehouse upgraded from schema version 1, until `backfill --only-stale` has re-run every log).
-- Not the ledger, which loadSongplays writes beside this publish: etl_run_files holds every log
-- the ledger does, and more (those of failed runs), so etl_user_state stands no shorter.
-- A set difference, not a join on the date read from the key (a nested loop on PostgreSQL).
CREATE TEMP TABLE publish_logs_before AS
SELECT COUNT(*) AS logs
FROM (
  SELECT {{event_log_date(source_key)}} AS log_date
  FROM etl_run_files
  WHERE kind = 'events' AND EXISTS (SELECT 1 FROM etl_user_state)
  EXCEPT
  SELECT log_date FROM etl_user_log_dates
) AS unmarked;

INSERT INTO publish_changed_users (user_id)
SELECT s.user_id
FROM etl_user_state s
CROSS JOIN publish_logs_before b
LEFT JOIN publish_changed_users c ON c.user_id = s.user_id
WHERE b.logs = 0 AND c.user_id IS NULL;
ANALYZE publish_changed_users;

-- Each changed user's state from all their contributions (etl_user_state's while it stands, its
-- names those of its latest event): the level of the latest event and the names of the latest
-- named one under the orders above, and whether any log has a play of theirs.
CREATE TEMP TABLE publish_user_state AS
WITH candidates AS (
  SELECT user_id, last_ts, last_item, level, name_ts, name_item, first_name, last_name, gender, has_play
  FROM etl_user_logs
  WHERE user_id IN (SELECT user_id FROM publish_changed_users)
  UNION ALL
  SELECT s.user_id, s.last_ts, s.last_item, s.level,
         CASE WHEN s.first_name IS NOT NULL OR s.last_name IS NOT NULL THEN s.last_ts END,
         CASE WHEN s.first_name IS NOT NULL OR s.last_name IS NOT NULL THEN s.last_item END,
         s.first_name, s.last_name, s.gender,
         CASE WHEN published.user_id IS NULL THEN 0 ELSE 1 END
  FROM etl_user_state s
  CROSS JOIN publish_logs_before b
  LEFT JOIN users published ON published.user_id = s.user_id
  WHERE b.logs > 0 AND s.user_id IN (SELECT user_id FROM publish_changed_users)
),
ranked AS (
  SELECT user_id, level, name_ts, first_name, last_name, gender, has_play,
         ROW_NUMBER() OVER (
           PARTITION BY user_id
           ORDER BY last_ts DESC, last_item DESC NULLS LAST, {{byte_order(level)}} DESC NULLS LAST
         ) AS latest,
         ROW_NUMBER() OVER (
           PARTITION BY user_id
           ORDER BY name_ts DESC NULLS LAST, name_item DESC NULLS LAST,
                    {{byte_order(first_name)}} NULLS LAST, {{byte_order(last_name)}} NULLS LAST, {{byte_order(gender)}} NULLS LAST
         ) AS latest_named
  FROM candidates
)
SELECT user_id,
       MAX(CASE WHEN latest = 1 THEN level END) AS level,
       MAX(CASE WHEN latest_named = 1 AND name_ts IS NOT NULL THEN first_name END) AS first_name,
       MAX(CASE WHEN latest_named = 1 AND name_ts IS NOT NULL THEN last_name END) AS last_name,
       MAX(CASE WHEN latest_named = 1 AND name_ts IS NOT NULL THEN gender END) AS gender,
       MAX(has_play) AS has_play
FROM ranked
GROUP BY user_id;

-- Every log a run listed has its contributions: the state kept before them goes.
DELETE FROM etl_user_state USING publish_logs_before b WHERE b.logs = 0;

-- A changed user is in users exactly when a log has a play of theirs: a user whose plays all went
-- from their logs goes too. Runs of other dates cannot drop a user whose plays another run is
-- publishing: the users publishes of the two run one after the other (table locks on PostgreSQL,
-- one writer on DuckDB, serializable transactions on Redshift), and that run's contribution,
-- with the play, is in etl_user_logs from its users publish on, published in the same
-- transaction as the user.
DELETE FROM users WHERE user_id IN (SELECT user_id FROM publish_changed_users);
INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, first_name, last_name, gender, level FROM publish_user_state WHERE has_play = 1;

DROP TABLE publish_raw_users;
DROP TABLE publish_run_users;
DROP TABLE publish_log_users;
DROP TABLE publish_user_events;
DROP TABLE publish_name_changes;
DROP TABLE publish_logs_before;
DROP TABLE publish_changed_users;
DROP TABLE publish_user_state;
