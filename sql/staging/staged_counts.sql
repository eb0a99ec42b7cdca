-- What a staging call left for the run and kind: staged rows and rejected records.
SELECT
  CASE WHEN {{kind}} = 'events' THEN (SELECT COUNT(*) FROM staging_events WHERE run_id = {{run_id}})
       ELSE (SELECT COUNT(*) FROM staging_songs WHERE run_id = {{run_id}}) END AS staged,
  (SELECT COUNT(*) FROM etl_rejected_records WHERE run_id = {{run_id}} AND kind = {{kind}}) AS rejected;
