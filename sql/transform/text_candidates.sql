-- The distinct free-text values one run staged, for the worker to repair (see etl_text_repairs).
-- kind: 'user_agent' for user agents (their repair also drops the wrapping quotes), else 'text'.
SELECT DISTINCT kind, raw
FROM (
  SELECT 'text' AS kind, artist AS raw FROM staging_events WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', song FROM staging_events WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', firstname FROM staging_events WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', lastname FROM staging_events WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', location FROM staging_events WHERE run_id = {{run_id}}
  UNION ALL SELECT 'user_agent', useragent FROM staging_events WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', title FROM staging_songs WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', artist_name FROM staging_songs WHERE run_id = {{run_id}}
  UNION ALL SELECT 'text', artist_location FROM staging_songs WHERE run_id = {{run_id}}
) AS staged_text
WHERE raw IS NOT NULL;
