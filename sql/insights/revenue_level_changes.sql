-- Revenue: per UTC day, upgrades and downgrades. Two views of the same thing: a user's level
-- changing between consecutive events (free → paid is an upgrade; events ordered by ts, item in
-- session, session, then level), and the app's own 'Submit Upgrade' / 'Submit Downgrade' events.
-- Reads the raw events (every page, not only plays); an event staged from two files counts once.
-- A change is dated by the first event on the new level. Events after the window cannot precede
-- one in it, so they are left out; of the events before it only each user's last one counts (the
-- level a user's first event in the window changes from). Nothing sorts every event: one pass
-- groups a user's events of one day in the window on one level into a span (first and last ts),
-- and the events before the window by user and level; only spans are put in order, except on the
-- rare days where one level's span overlaps another's (the levels interleave): those days' events
-- are read again and ordered one by one, as are a user's last events before the window when two
-- levels share its ts. A repeated event or level changes nothing there.
WITH raw_groups AS (
  -- The one pass over the events: per user id as staged, level and, in the window, day; a Submit
  -- event in the window also by its identity (page, ts, item, session as one text; '' for NULL,
  -- which a number never prints as), so each distinct one is a group of its own, as the DISTINCT
  -- counted them. Before the window, day is NULL: a user's groups there are one per level. The
  -- id is read as the whole number users has per group below, not per event: '7', ' 7' and '007'
  -- are one user, as in users and songplays. A blank id is NULL before the cast: PostgreSQL may
  -- cast before it filters blank ids out.
  SELECT userid AS raw_userid,
         CASE WHEN ts >= {{from_ms}} THEN CAST({{epoch_ms_to_timestamp(ts)}} AS DATE) END AS day,
         level,
         CASE WHEN ts >= {{from_ms}} AND page IN ('Submit Upgrade', 'Submit Downgrade')
              THEN page || '|' || CAST(ts AS VARCHAR) || '|' || COALESCE(CAST(iteminsession AS VARCHAR), '') || '|' || COALESCE(CAST(sessionid AS VARCHAR), '')
         END AS submit_event,
         MIN(ts) AS first_ts, MAX(ts) AS last_ts
  FROM staging_events
  WHERE ts IS NOT NULL AND ts < {{to_ms}}
  GROUP BY userid,
           CASE WHEN ts >= {{from_ms}} THEN CAST({{epoch_ms_to_timestamp(ts)}} AS DATE) END,
           level,
           CASE WHEN ts >= {{from_ms}} AND page IN ('Submit Upgrade', 'Submit Downgrade')
                THEN page || '|' || CAST(ts AS VARCHAR) || '|' || COALESCE(CAST(iteminsession AS VARCHAR), '') || '|' || COALESCE(CAST(sessionid AS VARCHAR), '')
           END
),
event_groups AS (
  SELECT CAST(NULLIF(TRIM(raw_userid), '') AS INTEGER) AS user_id, raw_userid, day, level, submit_event, first_ts, last_ts
  FROM raw_groups
  WHERE TRIM(raw_userid) <> ''
),
level_spans AS (
  SELECT user_id, day, level, MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts
  FROM event_groups
  WHERE day IS NOT NULL
  GROUP BY user_id, day, level
),
-- Spans of one day overlap (or touch: equal ts are ordered by item and session) exactly when some
-- span overlaps the one before it in order of first ts; spans of different days never do.
tangled AS (
  SELECT DISTINCT user_id, day
  FROM (
    SELECT user_id, day, first_ts, LAG(last_ts) OVER (PARTITION BY user_id ORDER BY first_ts, last_ts) AS previous_last_ts
    FROM level_spans
  ) s
  WHERE previous_last_ts >= first_ts
),
-- Each user's last event before the window, by its level: the level whose latest ts there is the
-- user's latest. Where two levels share that ts (tied), the events at it are read again below.
earlier_latest AS (
  SELECT user_id, level, last_ts
  FROM (
    SELECT user_id, level, last_ts, MAX(last_ts) OVER (PARTITION BY user_id) AS latest_ts
    FROM (
      SELECT user_id, level, MAX(last_ts) AS last_ts
      FROM event_groups
      WHERE day IS NULL
      GROUP BY user_id, level
    ) l
  ) l
  WHERE last_ts = latest_ts
),
tied AS (
  SELECT user_id, MAX(last_ts) AS ts
  FROM earlier_latest
  GROUP BY user_id
  HAVING COUNT(*) > 1
),
-- Each user's timeline: a span stands for its events on days that are not tangled, and the last
-- level before the window for those events; on tangled days, and at a tied ts, each event is an
-- item of its own.
items AS (
  SELECT s.user_id, s.day, s.level, s.first_ts AS ts, CAST(NULL AS INTEGER) AS iteminsession, CAST(NULL AS BIGINT) AS sessionid
  FROM level_spans s
  LEFT JOIN tangled t ON t.user_id = s.user_id AND t.day = s.day
  WHERE t.user_id IS NULL
  UNION ALL
  SELECT l.user_id, CAST(NULL AS DATE), l.level, l.last_ts, CAST(NULL AS INTEGER), CAST(NULL AS BIGINT)
  FROM earlier_latest l
  LEFT JOIN tied t ON t.user_id = l.user_id
  WHERE t.user_id IS NULL
  UNION ALL
  SELECT t.user_id, t.day, e.level, e.ts, e.iteminsession, e.sessionid
  FROM staging_events e
  JOIN tangled t ON t.user_id = CAST(NULLIF(TRIM(e.userid), '') AS INTEGER) AND t.day = CAST({{epoch_ms_to_timestamp(e.ts)}} AS DATE)
  -- (the IN first picks those users' events by a hash of the few ids as staged, so the join above
  -- is of a few rows and no other event is cast; without it PostgreSQL sorted every event to
  -- merge-join them)
  WHERE e.userid IN (SELECT g.raw_userid FROM event_groups g JOIN tangled u ON u.user_id = g.user_id)
    AND e.ts >= {{from_ms}} AND e.ts < {{to_ms}}
  UNION ALL
  -- (by the ids as staged and the ts, so no event is cast, and none read when nothing is tied)
  SELECT r.user_id, CAST(NULL AS DATE), e.level, e.ts, e.iteminsession, e.sessionid
  FROM staging_events e
  JOIN (SELECT DISTINCT g.raw_userid, t.user_id, t.ts FROM event_groups g JOIN tied t ON t.user_id = g.user_id) r
    ON r.raw_userid = e.userid AND r.ts = e.ts
  WHERE e.ts IN (SELECT ts FROM tied)
),
changes AS (
  SELECT day,
         SUM(CASE WHEN previous_level = 'free' AND level = 'paid' THEN 1 ELSE 0 END) AS level_upgrades,
         SUM(CASE WHEN previous_level = 'paid' AND level = 'free' THEN 1 ELSE 0 END) AS level_downgrades
  FROM (
    SELECT day, level, LAG(level) OVER (PARTITION BY user_id ORDER BY ts, iteminsession, sessionid, level) AS previous_level
    FROM items
  ) o
  WHERE day >= CAST(CAST({{from_ts}} AS TIMESTAMP) AS DATE) AND day < CAST(CAST({{to_ts}} AS TIMESTAMP) AS DATE)
  GROUP BY day
),
submits AS (
  -- each distinct Submit event of a user once, whatever spacing of the id it was staged with
  SELECT day,
         SUM(CASE WHEN submit_event LIKE 'Submit Upgrade|%' THEN 1 ELSE 0 END) AS submit_upgrades,
         SUM(CASE WHEN submit_event LIKE 'Submit Downgrade|%' THEN 1 ELSE 0 END) AS submit_downgrades
  FROM (
    SELECT DISTINCT user_id, day, level, submit_event
    FROM event_groups
    WHERE submit_event IS NOT NULL
      AND day >= CAST(CAST({{from_ts}} AS TIMESTAMP) AS DATE) AND day < CAST(CAST({{to_ts}} AS TIMESTAMP) AS DATE)
  ) s
  GROUP BY day
)
SELECT CAST(c.day AS VARCHAR) AS day, c.level_upgrades, c.level_downgrades,
       COALESCE(s.submit_upgrades, 0) AS submit_upgrades, COALESCE(s.submit_downgrades, 0) AS submit_downgrades
FROM changes c
LEFT JOIN submits s ON s.day = c.day
ORDER BY c.day;
