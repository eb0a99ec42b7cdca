/**
 * The report's queries over the plays as they were written one pass each, before several were
 * fused into one grouping (sql/insights/activity_engagement.sql, audience_levels.sql,
 * content_top.sql): test-only definitions the fused queries must give exactly, row for row.
 */
export const SEPARATE_PLAY_QUERIES: Record<string, string> = {
  activity_daily: `
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
ORDER BY play_date`,
  engagement: `
WITH sessions AS (
  SELECT user_id, session_id, COUNT(*) AS plays,
         EXTRACT(EPOCH FROM MAX(start_time)) - EXTRACT(EPOCH FROM MIN(start_time)) AS seconds
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, session_id
),
user_sessions AS (
  SELECT user_id, SUM(plays) AS plays, COUNT(session_id) AS sessions
  FROM sessions
  GROUP BY user_id
),
session_buckets AS (
  SELECT plays,
         CASE
           WHEN seconds < 300 THEN 0
           WHEN seconds < 900 THEN 1
           WHEN seconds < 1800 THEN 2
           WHEN seconds < 3600 THEN 3
           WHEN seconds < 7200 THEN 4
           WHEN seconds < 14400 THEN 5
           ELSE 6
         END AS length_bucket,
         CASE
           WHEN plays <= 1 THEN 0
           WHEN plays <= 5 THEN 1
           WHEN plays <= 10 THEN 2
           WHEN plays <= 25 THEN 3
           WHEN plays <= 50 THEN 4
           WHEN plays <= 100 THEN 5
           ELSE 6
         END AS plays_bucket
  FROM sessions
),
user_buckets AS (
  SELECT CASE
           WHEN sessions <= 1 THEN 0
           WHEN sessions <= 3 THEN 1
           WHEN sessions <= 5 THEN 2
           WHEN sessions <= 10 THEN 3
           WHEN sessions <= 20 THEN 4
           ELSE 5
         END AS bucket
  FROM user_sessions
),
top_users AS (
  SELECT user_id, plays, sessions
  FROM user_sessions
  ORDER BY plays DESC, user_id
  LIMIT {{limit}}
)
SELECT 'session' AS part, length_bucket AS bucket, plays_bucket, COUNT(*) AS n, SUM(plays) AS plays, MAX(plays) AS max_plays,
       CAST(NULL AS INTEGER) AS user_id, CAST(NULL AS {{text}}) AS first_name, CAST(NULL AS {{text}}) AS last_name, CAST(NULL AS {{text}}) AS level
FROM session_buckets
GROUP BY length_bucket, plays_bucket
UNION ALL
SELECT 'user', bucket, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL
FROM user_buckets
GROUP BY bucket
UNION ALL
SELECT 'top', NULL, NULL, t.sessions, t.plays, NULL, t.user_id, u.first_name, u.last_name, u.level
FROM top_users t
LEFT JOIN users u ON u.user_id = t.user_id
ORDER BY part, bucket, plays_bucket, plays DESC, user_id`,
  activity_by_hour_weekday: `
SELECT hour, weekday, COUNT(*) AS plays
FROM (
  SELECT CAST(EXTRACT(hour FROM start_time) AS INTEGER) AS hour, CAST(EXTRACT(dow FROM start_time) AS INTEGER) AS weekday
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
) p
GROUP BY hour, weekday
ORDER BY hour, weekday`,
  audience_locations: `
SELECT location, SUM(plays) AS plays, COUNT(*) AS users
FROM (
  SELECT COALESCE(location, '(unknown)') AS location, user_id, COUNT(*) AS plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY COALESCE(location, '(unknown)'), user_id
) l
GROUP BY location
ORDER BY plays DESC, location
LIMIT {{limit}}`,
  audience_user_agents: `
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
ORDER BY user_agent, user_id`,
  revenue_level_share: `
WITH user_levels AS (
  SELECT user_id, level, COUNT(*) AS plays, MAX(start_time) AS last_time
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, level
),
user_last AS (
  SELECT user_id, MAX(last_time) AS last_time FROM user_levels GROUP BY user_id
),
last_play AS (
  SELECT p.user_id, p.level,
         ROW_NUMBER() OVER (PARTITION BY p.user_id ORDER BY p.songplay_id DESC) AS pick
  FROM songplays p
  JOIN user_last l ON l.user_id = p.user_id AND l.last_time = p.start_time
),
plays_by_level AS (
  SELECT level, SUM(plays) AS plays FROM user_levels GROUP BY level
),
users_by_level AS (
  SELECT level, COUNT(*) AS users FROM last_play WHERE pick = 1 GROUP BY level
)
SELECT COALESCE(p.level, u.level) AS level, COALESCE(p.plays, 0) AS plays, COALESCE(u.users, 0) AS users
FROM plays_by_level p
FULL OUTER JOIN users_by_level u ON u.level = p.level
ORDER BY level`,
  content_top_songs: `
WITH song_counts AS (
  SELECT song_id, artist_id, COUNT(*) AS plays
  FROM songplays
  WHERE song_id IS NOT NULL
    AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY song_id, artist_id
),
top_songs AS (
  SELECT c.song_id, s.title, a.name AS artist_name, SUM(c.plays) AS plays
  FROM song_counts c
  JOIN songs s ON s.song_id = c.song_id
  LEFT JOIN artists a ON a.artist_id = c.artist_id
  GROUP BY c.song_id, s.title, a.name
  ORDER BY plays DESC, c.song_id
  LIMIT {{limit}}
),
listeners AS (
  SELECT p.song_id, a.name AS artist_name, COUNT(DISTINCT p.user_id) AS listeners
  FROM songplays p
  LEFT JOIN artists a ON a.artist_id = p.artist_id
  WHERE p.song_id IN (SELECT song_id FROM top_songs)
    AND p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY p.song_id, a.name
)
SELECT t.song_id, t.title, t.artist_name, t.plays, l.listeners
FROM top_songs t
JOIN listeners l ON l.song_id = t.song_id AND (l.artist_name = t.artist_name OR (l.artist_name IS NULL AND t.artist_name IS NULL))
ORDER BY t.plays DESC, t.song_id`,
  content_top_artists: `
WITH top_artists AS (
  SELECT c.artist_id, a.name AS artist_name, c.plays
  FROM (
    SELECT artist_id, COUNT(*) AS plays
    FROM songplays
    WHERE artist_id IS NOT NULL
      AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
    GROUP BY artist_id
  ) c
  LEFT JOIN artists a ON a.artist_id = c.artist_id
  ORDER BY c.plays DESC, c.artist_id
  LIMIT {{limit}}
),
listeners AS (
  SELECT artist_id, COUNT(DISTINCT user_id) AS listeners
  FROM songplays
  WHERE artist_id IN (SELECT artist_id FROM top_artists)
    AND start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY artist_id
)
SELECT t.artist_id, t.artist_name, t.plays, l.listeners
FROM top_artists t
JOIN listeners l ON l.artist_id = t.artist_id
ORDER BY t.plays DESC, t.artist_id`,
};
