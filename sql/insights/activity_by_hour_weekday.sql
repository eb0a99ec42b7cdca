-- Activity: plays per hour of day and weekday (UTC; 0 = Sunday … 6 = Saturday), the same parts the
-- time dimension holds (sql/transform/time.sql), taken from start_time instead of joining time.
-- Plays are counted per clock hour first (one truncation a play; the parts are taken from at most
-- 24 a day); at most 168 rows; the report sums them by hour and by weekday.
SELECT CAST(EXTRACT(hour FROM play_hour) AS INTEGER) AS hour, CAST(EXTRACT(dow FROM play_hour) AS INTEGER) AS weekday, SUM(plays) AS plays
FROM (
  SELECT DATE_TRUNC('hour', start_time) AS play_hour, COUNT(*) AS plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY DATE_TRUNC('hour', start_time)
) p
GROUP BY CAST(EXTRACT(hour FROM play_hour) AS INTEGER), CAST(EXTRACT(dow FROM play_hour) AS INTEGER)
ORDER BY hour, weekday;
