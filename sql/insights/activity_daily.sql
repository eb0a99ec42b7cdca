-- Activity: plays and daily active users (distinct users with at least one play) per UTC day.
SELECT day, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS active_users
FROM (
  SELECT CAST(CAST(start_time AS DATE) AS VARCHAR) AS day, user_id
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
) p
GROUP BY day
ORDER BY day;
