-- users: one row per user id with at least one NextSong event; level is the level of the user's
-- latest event of any page (users change plan mid-month, so they appear once, never twice).
-- Sources: this run's staging_events (names repaired) and etl_user_state, each user's latest
-- event seen so far, which competes with the new events so load order never matters.
-- Latest means: greatest ts, then greatest item in session, then level 'paid' over 'free'.
-- The run's events are first reduced per userid as staged, untrimmed (latest ts, whether they
-- played): a small hash aggregate, where ranking every event meant sorting them all (spilling past
-- work_mem on PostgreSQL). The trim and the cast to an id then run once per raw userid instead of
-- once per event (twice per event before: 8M events, ~1.5 of PostgreSQL's ~8 CPU-s here); the
-- variants of one id (' 7', '7') meet per user, and publish_run_users keeps those that reach their
-- user's latest ts, analyzed: a CTE's row count is a guess, and a guess of a few rows planned the
-- next join as a nested loop. Only the events at a user's latest ts can win, so only those are
-- ranked and have names repaired: the second pass finds them on the raw userid and ts, hashing ts
-- alone: the userid compared inside a CASE is no hash key (PostgreSQL hashing every event's userid
-- text as well cost ~1.7 CPU-s more at 8M events); a user's latest ts is rarely another's.
CREATE TEMP TABLE publish_raw_users AS
SELECT userid, MAX(ts) AS last_ts, MAX(CASE WHEN page = 'NextSong' THEN 1 ELSE 0 END) AS has_play
FROM staging_events
WHERE run_id = {{run_id}}
GROUP BY userid;

CREATE TEMP TABLE publish_run_users AS
SELECT r.userid, u.user_id, u.last_ts, u.has_play
FROM publish_raw_users r
JOIN (
  SELECT CAST(TRIM(userid) AS INTEGER) AS user_id, MAX(last_ts) AS last_ts, MAX(has_play) AS has_play
  FROM publish_raw_users
  WHERE TRIM(userid) <> ''
  GROUP BY CAST(TRIM(userid) AS INTEGER)
) AS u ON u.user_id = CAST(TRIM(r.userid) AS INTEGER) AND u.last_ts = r.last_ts
WHERE TRIM(r.userid) <> '';
ANALYZE publish_run_users;

CREATE TEMP TABLE publish_user_state AS
WITH staged AS (
  SELECT u.user_id, e.ts AS last_ts, e.iteminsession AS last_item, e.level,
         COALESCE(first_name.repaired, e.firstname) AS first_name,
         COALESCE(last_name.repaired, e.lastname) AS last_name,
         e.gender, u.has_play
  FROM staging_events e
  JOIN publish_run_users u ON u.last_ts = e.ts AND CASE WHEN u.userid = e.userid THEN 1 ELSE 0 END = 1
  LEFT JOIN etl_text_repairs first_name ON first_name.run_id = e.run_id AND first_name.kind = 'text' AND first_name.raw = e.firstname
  LEFT JOIN etl_text_repairs last_name ON last_name.run_id = e.run_id AND last_name.kind = 'text' AND last_name.raw = e.lastname
  WHERE e.run_id = {{run_id}}
),
candidates AS (
  SELECT user_id, last_ts, last_item, level, first_name, last_name, gender, has_play FROM staged
  UNION ALL
  SELECT user_id, last_ts, last_item, level, first_name, last_name, gender, CAST(NULL AS INTEGER)
  FROM etl_user_state WHERE user_id IN (SELECT user_id FROM staged)
),
ranked AS (
  SELECT user_id, last_ts, last_item, level, first_name, last_name, gender,
         MAX(has_play) OVER (PARTITION BY user_id) AS has_play,
         ROW_NUMBER() OVER (
           PARTITION BY user_id
           ORDER BY last_ts DESC, last_item DESC NULLS LAST, {{byte_order(level)}} DESC NULLS LAST,
                    {{byte_order(first_name)}} NULLS LAST, {{byte_order(last_name)}} NULLS LAST, {{byte_order(gender)}} NULLS LAST
         ) AS pick
  FROM candidates
)
SELECT user_id, last_ts, last_item, level, first_name, last_name, gender, has_play FROM ranked WHERE pick = 1;

DELETE FROM etl_user_state WHERE user_id IN (SELECT user_id FROM publish_user_state);
INSERT INTO etl_user_state (user_id, last_ts, last_item, level, first_name, last_name, gender)
SELECT user_id, last_ts, last_item, level, first_name, last_name, gender FROM publish_user_state;

-- The users this run gives a play, and those already published, whose latest state may have
-- changed. A user is never deleted here, so a run for another date that sees only their non-play
-- events cannot drop a user whose plays another run is publishing. Not songplays, which the
-- songplays publish writes while this one runs: every run publishes its playing users (here) in
-- the run that publishes their plays, so a user with plays from a completed run is in users.
-- Two branches of a UNION ALL, never IN (…) OR IN (…), which PostgreSQL can only run as a SubPlan per user.
CREATE TEMP TABLE publish_users AS
SELECT user_id, first_name, last_name, gender, level
FROM publish_user_state
WHERE has_play = 1
UNION ALL
SELECT s.user_id, s.first_name, s.last_name, s.gender, s.level
FROM publish_user_state s
WHERE s.has_play = 0 AND s.user_id IN (SELECT user_id FROM users);

DELETE FROM users WHERE user_id IN (SELECT user_id FROM publish_users);
INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, first_name, last_name, gender, level FROM publish_users;

DROP TABLE publish_raw_users;
DROP TABLE publish_run_users;
DROP TABLE publish_user_state;
DROP TABLE publish_users;
