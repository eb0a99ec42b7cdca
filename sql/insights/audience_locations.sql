-- Audience: the metro areas with the most plays (as the app logged the location).
SELECT COALESCE(location, '(unknown)') AS location, COUNT(*) AS plays, COUNT(DISTINCT user_id) AS users
FROM songplays
WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY COALESCE(location, '(unknown)')
ORDER BY plays DESC, location
LIMIT {{limit}};
