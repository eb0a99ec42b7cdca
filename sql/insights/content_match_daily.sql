-- Content: per UTC day, plays and how many of them were matched to a song in the catalogue.
SELECT day, COUNT(*) AS plays, SUM(matched) AS matched_plays
FROM (
  SELECT CAST(CAST(start_time AS DATE) AS VARCHAR) AS day, CASE WHEN song_id IS NOT NULL THEN 1 ELSE 0 END AS matched
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
) p
GROUP BY day
ORDER BY day;
