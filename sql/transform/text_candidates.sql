-- The distinct free-text values one run staged, for the worker to repair (see etl_text_repairs).
-- kind: 'user_agent' for user agents (their repair also drops the wrapping quotes), else 'text'.
-- One pass over each staging table: a grouping set per column (only that column is not NULL in
-- its rows), where a UNION ALL per column scanned the run's events six times and hashed every value.
SELECT DISTINCT kind, raw
FROM (
  SELECT CASE WHEN useragent IS NULL THEN 'text' ELSE 'user_agent' END AS kind,
         COALESCE(artist, song, firstname, lastname, location, useragent) AS raw
  FROM staging_events
  WHERE run_id = {{run_id}}
  GROUP BY GROUPING SETS ((artist), (song), (firstname), (lastname), (location), (useragent))
  UNION ALL
  SELECT 'text', COALESCE(title, artist_name, artist_location)
  FROM staging_songs
  WHERE run_id = {{run_id}}
  GROUP BY GROUPING SETS ((title), (artist_name), (artist_location))
) AS staged_text
WHERE raw IS NOT NULL;
