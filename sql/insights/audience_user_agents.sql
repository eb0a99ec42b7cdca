-- Audience: plays per user agent and user; the worker parses each distinct agent into platform
-- and browser (src/insights/userAgents.ts), and the user column keeps user counts exact.
SELECT COALESCE(user_agent, '') AS user_agent, user_id, COUNT(*) AS plays
FROM songplays
WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY COALESCE(user_agent, ''), user_id
ORDER BY user_agent, user_id;
