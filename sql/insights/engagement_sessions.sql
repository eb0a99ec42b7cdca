-- Engagement: sessions (a (user_id, session_id) pair) by length and by plays, with the totals behind
-- the averages. Length runs from a session's first play to its last (one play: 0 s). Buckets, whose
-- labels live in src/insights/buckets.ts: length (s) 0 = < 300, 1 = < 900, 2 = < 1800, 3 = < 3600,
-- 4 = < 7200, 5 = < 14400, 6 = longer; plays 0 = 1, 1 = 2–5, 2 = 6–10, 3 = 11–25, 4 = 26–50,
-- 5 = 51–100, 6 = more. One row per (length bucket, plays bucket) pair: at most 49.
SELECT length_bucket, plays_bucket, COUNT(*) AS sessions, SUM(plays) AS plays, MAX(plays) AS max_plays
FROM (
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
  FROM (
    SELECT COUNT(*) AS plays, EXTRACT(EPOCH FROM MAX(start_time)) - EXTRACT(EPOCH FROM MIN(start_time)) AS seconds
    FROM songplays
    WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
    GROUP BY user_id, session_id
  ) s
) b
GROUP BY length_bucket, plays_bucket
ORDER BY length_bucket, plays_bucket;
