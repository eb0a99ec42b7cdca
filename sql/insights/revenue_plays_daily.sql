-- Revenue: per UTC day, plays on each level and the distinct users playing on each level.
SELECT day,
       SUM(CASE WHEN level = 'paid' THEN 1 ELSE 0 END) AS paid_plays,
       SUM(CASE WHEN level = 'free' THEN 1 ELSE 0 END) AS free_plays,
       COUNT(DISTINCT CASE WHEN level = 'paid' THEN user_id END) AS paid_users,
       COUNT(DISTINCT CASE WHEN level = 'free' THEN user_id END) AS free_users
FROM (
  SELECT CAST(CAST(start_time AS DATE) AS VARCHAR) AS day, level, user_id
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
) p
GROUP BY day
ORDER BY day;
