-- Engagement: totals behind the averages. A session is a (user_id, session_id) pair.
SELECT COUNT(*) AS sessions, COUNT(DISTINCT user_id) AS users, COALESCE(SUM(plays), 0) AS plays,
       COALESCE(MAX(plays), 0) AS max_plays_per_session
FROM (
  SELECT user_id, session_id, COUNT(*) AS plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, session_id
) s;
