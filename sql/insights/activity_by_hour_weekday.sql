-- Activity: plays per hour of day and weekday (UTC; 0 = Sunday … 6 = Saturday), the same parts the
-- time dimension holds (sql/transform/time.sql), taken from start_time instead of joining time.
-- At most 168 rows; the report sums them by hour and by weekday.
SELECT hour, weekday, COUNT(*) AS plays
FROM (
  SELECT CAST(EXTRACT(hour FROM start_time) AS INTEGER) AS hour, CAST(EXTRACT(dow FROM start_time) AS INTEGER) AS weekday
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
) p
GROUP BY hour, weekday
ORDER BY hour, weekday;
