-- The distinct free-text values one run staged, into etl_text_repairs for the worker to repair
-- (it reads them back with text_repair_values.sql and replaces them with their repaired form).
-- kind: 'user_agent' for user agents (their repair also drops the wrapping quotes), else 'text'.
-- One pass over each staging table: a grouping set per column (only that column is not NULL in
-- its rows), where a UNION ALL per column scanned the run's events six times and hashed every value.
-- Kept in the warehouse, not returned, so the statement runs in a transaction with the publish
-- settings: PostgreSQL hashes every set only when its estimate fits work_mem, and else sorts all
-- of the run's events (8M events: most of the step's time). PostgreSQL runs
-- sql/transform/postgres/text_candidates.sql instead: the same values, gathered on several cores.
DELETE FROM etl_text_repairs WHERE run_id = {{run_id}};
INSERT INTO etl_text_repairs (run_id, kind, raw)
SELECT {{run_id}}, kind, raw
FROM (
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
WHERE raw IS NOT NULL
) AS distinct_text;
