-- Activity and engagement, from one grouping of the window's plays by session, UTC day and level
-- (a session is a (user_id, session_id) pair). part 'day': per day, plays, daily active users,
-- plays matched to a song, and plays and distinct users on each level (users counted from the
-- (day, user, level) groups, not COUNT(DISTINCT) over every play). part 'session': sessions (n)
-- per (length bucket, plays bucket) with the totals behind the averages (length runs from a
-- session's first play to its last, across days; one play: 0 s); part 'user': users (n) by
-- number of sessions with a play (a NULL session_id is no session); part 'top': the most active
-- users by plays, with their sessions (n) and current level. Bucket labels live in
-- src/insights/buckets.ts: length (s) 0 = < 300, 1 = < 900, 2 = < 1800, 3 = < 3600, 4 = < 7200,
-- 5 = < 14400, 6 = longer; plays 0 = 1, 1 = 2–5, 2 = 6–10, 3 = 11–25, 4 = 26–50, 5 = 51–100,
-- 6 = more; sessions per user 0 = 1, 1 = 2–3, 2 = 4–5, 3 = 6–10, 4 = 11–20, 5 = more.
WITH session_days AS (
  SELECT user_id, session_id, CAST(start_time AS DATE) AS play_date, level,
         COUNT(*) AS plays, COUNT(song_id) AS matched_plays, MIN(start_time) AS first_time, MAX(start_time) AS last_time
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY user_id, session_id, CAST(start_time AS DATE), level
),
user_days AS (
  SELECT play_date, user_id, level, SUM(plays) AS plays, SUM(matched_plays) AS matched_plays
  FROM session_days
  GROUP BY play_date, user_id, level
),
days AS (
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
),
sessions AS (
  SELECT user_id, session_id, SUM(plays) AS plays,
         EXTRACT(EPOCH FROM MAX(last_time)) - EXTRACT(EPOCH FROM MIN(first_time)) AS seconds
  FROM session_days
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
SELECT 'day' AS part, CAST(NULL AS INTEGER) AS bucket, CAST(NULL AS INTEGER) AS plays_bucket, CAST(NULL AS BIGINT) AS n, plays, CAST(NULL AS BIGINT) AS max_plays,
       CAST(NULL AS INTEGER) AS user_id, CAST(NULL AS {{text}}) AS first_name, CAST(NULL AS {{text}}) AS last_name, CAST(NULL AS {{text}}) AS level,
       day, active_users, matched_plays, paid_plays, free_plays, paid_users, free_users
FROM days
UNION ALL
SELECT 'session', length_bucket, plays_bucket, COUNT(*), SUM(plays), MAX(plays), NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM session_buckets
GROUP BY length_bucket, plays_bucket
UNION ALL
SELECT 'user', bucket, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM user_buckets
GROUP BY bucket
UNION ALL
SELECT 'top', NULL, NULL, t.sessions, t.plays, NULL, t.user_id, {{report_text(u.first_name)}}, {{report_text(u.last_name)}}, {{report_text(u.level)}}, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM top_users t
LEFT JOIN users u ON u.user_id = t.user_id
ORDER BY part, day, bucket, plays_bucket, plays DESC, user_id;
