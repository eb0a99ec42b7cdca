-- Engagement: the most active users by plays, with their sessions and current level.
SELECT p.user_id, u.first_name, u.last_name, u.level, COUNT(*) AS plays, COUNT(DISTINCT p.session_id) AS sessions
FROM songplays p
LEFT JOIN users u ON u.user_id = p.user_id
WHERE p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY p.user_id, u.first_name, u.last_name, u.level
ORDER BY plays DESC, p.user_id
LIMIT {{limit}};
