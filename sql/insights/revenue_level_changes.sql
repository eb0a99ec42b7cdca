-- Revenue: per UTC day, upgrades and downgrades. Two views of the same thing: a user's level
-- changing between consecutive events (free → paid is an upgrade), and the app's own
-- 'Submit Upgrade' / 'Submit Downgrade' events. Reads the raw events (every page, not only plays);
-- an event staged from two files counts once. A change is dated by the first event on the new level.
-- The distinct columns are listed in the window's order, so one sort serves both. Events after the
-- window cannot precede one in it, so they are left out before the sort.
WITH events AS (
  SELECT DISTINCT TRIM(userid) AS user_id, ts, iteminsession, sessionid, level, page
  FROM staging_events
  WHERE TRIM(userid) <> '' AND ts IS NOT NULL AND ts < {{to_ms}}
),
ordered AS (
  SELECT ts, level, page,
         LAG(level) OVER (PARTITION BY user_id ORDER BY ts, iteminsession, sessionid) AS previous_level
  FROM events
)
SELECT day,
       SUM(CASE WHEN previous_level = 'free' AND level = 'paid' THEN 1 ELSE 0 END) AS level_upgrades,
       SUM(CASE WHEN previous_level = 'paid' AND level = 'free' THEN 1 ELSE 0 END) AS level_downgrades,
       SUM(CASE WHEN page = 'Submit Upgrade' THEN 1 ELSE 0 END) AS submit_upgrades,
       SUM(CASE WHEN page = 'Submit Downgrade' THEN 1 ELSE 0 END) AS submit_downgrades
FROM (
  SELECT CAST(CAST({{epoch_ms_to_timestamp(ts)}} AS DATE) AS VARCHAR) AS day, level, previous_level, page
  FROM ordered
  WHERE ts >= {{from_ms}} AND ts < {{to_ms}}
) e
GROUP BY day
ORDER BY day;
