-- Audience and revenue share, from one grouping of the window's plays per (user, level, location,
-- user agent): part 'location': the metro areas with the most plays, with their users; part 'agent':
-- plays and users per user agent (a user with one agent counted in its row with user_id NULL, one
-- with several in a row per agent with its id, so user counts stay exact; the worker parses each
-- agent, src/insights/userAgents.ts); part 'level': plays on each level, and users by the level of
-- their last play in the window (among plays at that last start time, the largest songplay_id).
WITH user_groups AS (
  SELECT user_id, level, location, user_agent, COUNT(*) AS plays, MAX(start_time) AS last_time
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, level, location, user_agent
),
user_locations AS (
  SELECT COALESCE(location, '(unknown)') AS location, user_id, SUM(plays) AS plays
  FROM user_groups
  GROUP BY COALESCE(location, '(unknown)'), user_id
),
top_locations AS (
  SELECT location, SUM(plays) AS plays, COUNT(*) AS users
  FROM user_locations
  GROUP BY location
  ORDER BY plays DESC, location
  LIMIT {{limit}}
),
user_agents AS (
  SELECT user_id, COALESCE(user_agent, '') AS user_agent, SUM(plays) AS plays
  FROM user_groups
  GROUP BY user_id, COALESCE(user_agent, '')
),
agent_counts AS (
  SELECT user_id, COUNT(*) AS agents FROM user_agents GROUP BY user_id
),
agent_rows AS (
  SELECT a.user_agent, CASE WHEN c.agents = 1 THEN NULL ELSE a.user_id END AS user_id, SUM(a.plays) AS plays, COUNT(*) AS users
  FROM user_agents a
  JOIN agent_counts c ON c.user_id = a.user_id
  GROUP BY a.user_agent, CASE WHEN c.agents = 1 THEN NULL ELSE a.user_id END
),
user_levels AS (
  SELECT user_id, level, SUM(plays) AS plays, MAX(last_time) AS last_time
  FROM user_groups
  GROUP BY user_id, level
),
user_last AS (
  SELECT user_id, MAX(last_time) AS last_time FROM user_levels GROUP BY user_id
),
-- The levels played at each user's last start time: one for nearly every user. Only a user with
-- plays on two levels at that very time needs its plays looked at again (the largest songplay_id).
last_levels AS (
  SELECT l.user_id, l.level, l.last_time, COUNT(*) OVER (PARTITION BY l.user_id) AS levels
  FROM user_levels l
  JOIN user_last u ON u.user_id = l.user_id AND u.last_time = l.last_time
),
tied_users AS (
  SELECT DISTINCT user_id, last_time FROM last_levels WHERE levels > 1
),
tied_last_plays AS (
  SELECT p.user_id, p.level, ROW_NUMBER() OVER (PARTITION BY p.user_id ORDER BY p.songplay_id DESC) AS pick
  FROM songplays p
  JOIN tied_users t ON t.user_id = p.user_id AND t.last_time = p.start_time
),
plays_by_level AS (
  SELECT level, SUM(plays) AS plays FROM user_levels GROUP BY level
),
users_by_level AS (
  SELECT level, COUNT(*) AS users
  FROM (
    SELECT level FROM last_levels WHERE levels = 1
    UNION ALL
    SELECT level FROM tied_last_plays WHERE pick = 1
  ) l
  GROUP BY level
),
level_rows AS (
  SELECT COALESCE(p.level, u.level) AS level, COALESCE(p.plays, 0) AS plays, COALESCE(u.users, 0) AS users
  FROM plays_by_level p
  FULL OUTER JOIN users_by_level u ON u.level = p.level
)
-- rank_plays: the order within each part (locations by plays, agents and levels by their name; the
-- two rows a NULL level gets, plays and users, the one with plays first).
SELECT 'location' AS part, {{report_text(location)}} AS label, CAST(NULL AS INTEGER) AS user_id, plays, users, plays AS rank_plays
FROM top_locations
UNION ALL
SELECT 'agent', {{report_text(user_agent)}}, user_id, plays, users, 0
FROM agent_rows
UNION ALL
SELECT 'level', {{report_text(level)}}, NULL, plays, users, 0
FROM level_rows
ORDER BY part, rank_plays DESC, label, user_id, plays DESC;
