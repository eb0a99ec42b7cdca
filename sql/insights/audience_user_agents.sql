-- Audience: plays and users per user agent; the worker parses each distinct agent into platform and
-- browser (src/insights/userAgents.ts). A user with one agent is counted in its agent's row
-- (user_id NULL); a user with several gets a row per agent with its id, so user counts stay exact.
WITH user_agents AS (
  SELECT user_id, COALESCE(user_agent, '') AS user_agent, COUNT(*) AS plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, COALESCE(user_agent, '')
),
agent_counts AS (
  SELECT user_id, COUNT(*) AS agents FROM user_agents GROUP BY user_id
)
SELECT a.user_agent, CASE WHEN c.agents = 1 THEN NULL ELSE a.user_id END AS user_id,
       SUM(a.plays) AS plays, COUNT(*) AS users
FROM user_agents a
JOIN agent_counts c ON c.user_id = a.user_id
GROUP BY a.user_agent, CASE WHEN c.agents = 1 THEN NULL ELSE a.user_id END
ORDER BY user_agent, user_id;
