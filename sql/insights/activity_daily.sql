-- Activity, content and revenue per UTC day: plays, daily active users, plays matched to a song,
-- and plays and distinct users on each level. One pass: plays per (day, user, level) first, so
-- distinct users are counted from those groups (no COUNT(DISTINCT) over every play).
WITH user_days AS (
  SELECT CAST(start_time AS DATE) AS play_date, user_id, level, COUNT(*) AS plays, COUNT(song_id) AS matched_plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY CAST(start_time AS DATE), user_id, level
)
SELECT CAST(play_date AS VARCHAR) AS day,
       SUM(plays) AS plays,
       COUNT(DISTINCT user_id) AS active_users,
       SUM(matched_plays) AS matched_plays,
       SUM(CASE WHEN level = 'paid' THEN plays ELSE 0 END) AS paid_plays,
       SUM(CASE WHEN level = 'free' THEN plays ELSE 0 END) AS free_plays,
       SUM(CASE WHEN level = 'paid' THEN 1 ELSE 0 END) AS paid_users,
       SUM(CASE WHEN level = 'free' THEN 1 ELSE 0 END) AS free_users
FROM user_days
GROUP BY play_date
ORDER BY play_date;
