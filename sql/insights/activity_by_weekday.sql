-- Activity: plays by weekday (0 = Sunday … 6 = Saturday, UTC), from the time dimension.
SELECT t.weekday, COUNT(*) AS plays
FROM songplays p
JOIN time t ON t.start_time = p.start_time
WHERE p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY t.weekday
ORDER BY t.weekday;
