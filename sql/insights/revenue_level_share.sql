-- Revenue: plays on each level, and users by the level of their last play in the window (so each
-- user counts once, on the plan they ended the window on).
WITH window_plays AS (
  SELECT songplay_id, start_time, user_id, level
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
),
last_play AS (
  SELECT user_id, level,
         ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY start_time DESC, songplay_id DESC) AS pick
  FROM window_plays
),
plays_by_level AS (
  SELECT level, COUNT(*) AS plays FROM window_plays GROUP BY level
),
users_by_level AS (
  SELECT level, COUNT(*) AS users FROM last_play WHERE pick = 1 GROUP BY level
)
SELECT COALESCE(p.level, u.level) AS level, COALESCE(p.plays, 0) AS plays, COALESCE(u.users, 0) AS users
FROM plays_by_level p
FULL OUTER JOIN users_by_level u ON u.level = p.level
ORDER BY level;
