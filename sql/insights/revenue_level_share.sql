-- Revenue: plays on each level, and users by the level of their last play in the window (so each
-- user counts once, on the plan they ended the window on; among plays at that last start time, the
-- largest songplay_id). Plays per (user, level) first; only plays at a user's last start time are
-- looked at again, so nothing sorts every play.
WITH user_levels AS (
  SELECT user_id, level, COUNT(*) AS plays, MAX(start_time) AS last_time
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, level
),
user_last AS (
  SELECT user_id, MAX(last_time) AS last_time FROM user_levels GROUP BY user_id
),
last_play AS (
  SELECT p.user_id, p.level,
         ROW_NUMBER() OVER (PARTITION BY p.user_id ORDER BY p.songplay_id DESC) AS pick
  FROM songplays p
  JOIN user_last l ON l.user_id = p.user_id AND l.last_time = p.start_time
),
plays_by_level AS (
  SELECT level, SUM(plays) AS plays FROM user_levels GROUP BY level
),
users_by_level AS (
  SELECT level, COUNT(*) AS users FROM last_play WHERE pick = 1 GROUP BY level
)
SELECT COALESCE(p.level, u.level) AS level, COALESCE(p.plays, 0) AS plays, COALESCE(u.users, 0) AS users
FROM plays_by_level p
FULL OUTER JOIN users_by_level u ON u.level = p.level
ORDER BY level;
