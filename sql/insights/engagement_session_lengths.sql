-- Engagement: sessions by length, from a session's first play to its last (a one-play session
-- lasts 0 s). Buckets (seconds): 0 = < 300, 1 = < 900, 2 = < 1800, 3 = < 3600, 4 = < 7200,
-- 5 = < 14400, 6 = longer; labels live in src/insights/buckets.ts.
SELECT bucket, COUNT(*) AS sessions
FROM (
  SELECT CASE
           WHEN seconds < 300 THEN 0
           WHEN seconds < 900 THEN 1
           WHEN seconds < 1800 THEN 2
           WHEN seconds < 3600 THEN 3
           WHEN seconds < 7200 THEN 4
           WHEN seconds < 14400 THEN 5
           ELSE 6
         END AS bucket
  FROM (
    SELECT EXTRACT(EPOCH FROM MAX(start_time)) - EXTRACT(EPOCH FROM MIN(start_time)) AS seconds
    FROM songplays
    WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
    GROUP BY user_id, session_id
  ) s
) b
GROUP BY bucket
ORDER BY bucket;
