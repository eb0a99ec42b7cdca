-- Engagement: sessions by number of plays. Buckets: 0 = 1, 1 = 2–5, 2 = 6–10, 3 = 11–25,
-- 4 = 26–50, 5 = 51–100, 6 = more.
SELECT bucket, COUNT(*) AS sessions
FROM (
  SELECT CASE
           WHEN plays <= 1 THEN 0
           WHEN plays <= 5 THEN 1
           WHEN plays <= 10 THEN 2
           WHEN plays <= 25 THEN 3
           WHEN plays <= 50 THEN 4
           WHEN plays <= 100 THEN 5
           ELSE 6
         END AS bucket
  FROM (
    SELECT COUNT(*) AS plays
    FROM songplays
    WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
    GROUP BY user_id, session_id
  ) s
) b
GROUP BY bucket
ORDER BY bucket;
