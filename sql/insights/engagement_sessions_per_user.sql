-- Engagement: users by number of sessions with a play (a NULL session_id is no session). Buckets:
-- 0 = 1, 1 = 2–3, 2 = 4–5, 3 = 6–10, 4 = 11–20, 5 = more. Sessions are grouped first and then
-- counted per user (no COUNT(DISTINCT) over every play); the users column sums to the window's users.
SELECT bucket, COUNT(*) AS users
FROM (
  SELECT CASE
           WHEN sessions <= 1 THEN 0
           WHEN sessions <= 3 THEN 1
           WHEN sessions <= 5 THEN 2
           WHEN sessions <= 10 THEN 3
           WHEN sessions <= 20 THEN 4
           ELSE 5
         END AS bucket
  FROM (
    SELECT user_id, COUNT(session_id) AS sessions
    FROM (
      SELECT user_id, session_id
      FROM songplays
      WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
      GROUP BY user_id, session_id
    ) s
    GROUP BY user_id
  ) u
) b
GROUP BY bucket
ORDER BY bucket;
