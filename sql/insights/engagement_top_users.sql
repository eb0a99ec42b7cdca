-- Engagement: the most active users by plays, with their sessions (a NULL session_id is none) and
-- current level. Plays and sessions per user first (sessions grouped, not COUNT(DISTINCT)), then
-- only the top users are joined to users.
WITH user_sessions AS (
  SELECT user_id, session_id, COUNT(*) AS plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, session_id
),
top_users AS (
  SELECT user_id, SUM(plays) AS plays, COUNT(session_id) AS sessions
  FROM user_sessions
  GROUP BY user_id
  ORDER BY plays DESC, user_id
  LIMIT {{limit}}
)
SELECT t.user_id, u.first_name, u.last_name, u.level, t.plays, t.sessions
FROM top_users t
LEFT JOIN users u ON u.user_id = t.user_id
ORDER BY t.plays DESC, t.user_id;
