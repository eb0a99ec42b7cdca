-- Revenue: per UTC day, upgrades and downgrades. Two views of the same thing: a user's level
-- changing between consecutive events (free → paid is an upgrade; events ordered by ts, item in
-- session, session, then level), and the app's own 'Submit Upgrade' / 'Submit Downgrade' events.
-- Reads the raw events (every page, not only plays); an event staged from two files counts once.
-- A change is dated by the first event on the new level. Events after the window cannot precede
-- one in it, so they are left out. Nothing sorts every event: one pass groups a user's events of
-- one day on one level into a span (first and last ts), and only spans are put in order, except
-- on the rare days where one level's span overlaps another's (the levels interleave): those days'
-- events are read again and ordered one by one. A repeated event or level changes nothing there.
WITH raw_groups AS (
  -- The one pass over the events: per user id as staged, day (a day number: ms / 86,400,000,
  -- cheaper per event than a date) and level; a Submit event also by its identity (page, ts, item,
  -- session as one text; '' for NULL, which a number never prints as), so each distinct one is a
  -- group of its own, as the DISTINCT counted them. Ids are trimmed on these groups, not per event.
  SELECT userid, FLOOR(CAST(ts AS DOUBLE PRECISION) / 86400000) AS day, level,
         CASE WHEN page IN ('Submit Upgrade', 'Submit Downgrade')
              THEN page || '|' || CAST(ts AS VARCHAR) || '|' || COALESCE(CAST(iteminsession AS VARCHAR), '') || '|' || COALESCE(CAST(sessionid AS VARCHAR), '')
         END AS submit_event,
         MIN(ts) AS first_ts, MAX(ts) AS last_ts
  FROM staging_events
  WHERE ts IS NOT NULL AND ts < {{to_ms}}
  GROUP BY userid, FLOOR(CAST(ts AS DOUBLE PRECISION) / 86400000), level,
           CASE WHEN page IN ('Submit Upgrade', 'Submit Downgrade')
                THEN page || '|' || CAST(ts AS VARCHAR) || '|' || COALESCE(CAST(iteminsession AS VARCHAR), '') || '|' || COALESCE(CAST(sessionid AS VARCHAR), '')
           END
),
event_groups AS (
  SELECT TRIM(userid) AS user_id, day, level, submit_event, MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts
  FROM raw_groups
  WHERE TRIM(userid) <> ''
  GROUP BY TRIM(userid), day, level, submit_event
),
level_spans AS (
  SELECT user_id, day, level, MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts
  FROM event_groups
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
-- The user ids as staged (untrimmed) that have events on a tangled day: the second read of the
-- events picks those users' events by a hash of these few ids, nothing computed per event; with no
-- tangled day, PostgreSQL does not read the events again at all (a hash join with nothing to match).
tangled_userids AS (
  SELECT DISTINCT g.userid
  FROM raw_groups g
  JOIN tangled t ON t.user_id = TRIM(g.userid) AND t.day = g.day
),
tangled_events AS (
  SELECT TRIM(e.userid) AS user_id, FLOOR(CAST(e.ts AS DOUBLE PRECISION) / 86400000) AS day, e.level, e.ts, e.iteminsession, e.sessionid
  FROM staging_events e
  JOIN tangled_userids u ON u.userid = e.userid
  WHERE e.ts IS NOT NULL AND e.ts < {{to_ms}}
),
-- Each user's timeline: a span stands for its events on days that are not tangled; on tangled
-- days each event is an item of its own.
items AS (
  SELECT s.user_id, s.day, s.level, s.first_ts AS ts, CAST(NULL AS INTEGER) AS iteminsession, CAST(NULL AS BIGINT) AS sessionid
  FROM level_spans s
  LEFT JOIN tangled t ON t.user_id = s.user_id AND t.day = s.day
  WHERE t.user_id IS NULL
  UNION ALL
  SELECT t.user_id, t.day, e.level, e.ts, e.iteminsession, e.sessionid
  FROM tangled_events e
  JOIN tangled t ON t.user_id = e.user_id AND t.day = e.day
),
changes AS (
  SELECT day,
         SUM(CASE WHEN previous_level = 'free' AND level = 'paid' THEN 1 ELSE 0 END) AS level_upgrades,
         SUM(CASE WHEN previous_level = 'paid' AND level = 'free' THEN 1 ELSE 0 END) AS level_downgrades
  FROM (
    SELECT day, level, LAG(level) OVER (PARTITION BY user_id ORDER BY ts, iteminsession, sessionid, level) AS previous_level
    FROM items
  ) o
  WHERE day * 86400000 >= {{from_ms}} AND day * 86400000 < {{to_ms}}
  GROUP BY day
),
submits AS (
  SELECT day,
         SUM(CASE WHEN submit_event LIKE 'Submit Upgrade|%' THEN 1 ELSE 0 END) AS submit_upgrades,
         SUM(CASE WHEN submit_event LIKE 'Submit Downgrade|%' THEN 1 ELSE 0 END) AS submit_downgrades
  FROM event_groups
  WHERE submit_event IS NOT NULL
    AND day * 86400000 >= {{from_ms}} AND day * 86400000 < {{to_ms}}
  GROUP BY day
)
SELECT CAST(CAST({{epoch_ms_to_timestamp(CAST(c.day AS BIGINT) * 86400000)}} AS DATE) AS VARCHAR) AS day, c.level_upgrades, c.level_downgrades,
       COALESCE(s.submit_upgrades, 0) AS submit_upgrades, COALESCE(s.submit_downgrades, 0) AS submit_downgrades
FROM changes c
LEFT JOIN submits s ON s.day = c.day
ORDER BY c.day;
