-- PostgreSQL's ledger/record.sql: the same rows, each file's staged records as its staging counted
-- them (etl_file_counts, written in the staging transaction by the worker's COPY staging:
-- src/staging/copyStaging.ts), not by a grouping of the run's staging rows by file, which took
-- 2.3 s of the songplays publish's serial part at 8M events. A kind the run staged without counts
-- (a run begun under a release before them) has its staging rows grouped as before; where the
-- kind has counts, the grouping is a one-time filter that reads no staging row. A file with no row
-- staged has no count: 0.
DELETE FROM etl_load_ledger
WHERE source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}});

INSERT INTO etl_load_ledger (kind, source_key, etag, size, records, rejects, run_id, loaded_at)
SELECT f.kind, f.source_key, f.etag, f.size,
       COALESCE(counted.records, staged.records, 0), COALESCE(rejected.rejects, 0), f.run_id, CAST({{loaded_at}} AS TIMESTAMP)
FROM etl_run_files f
LEFT JOIN etl_file_counts counted ON counted.run_id = f.run_id AND counted.kind = f.kind AND counted.source_key = f.source_key
LEFT JOIN (
  SELECT 'events' AS kind, source_key, COUNT(*) AS records FROM staging_events
  WHERE run_id = {{run_id}} AND NOT EXISTS (SELECT 1 FROM etl_file_counts c WHERE c.run_id = {{run_id}} AND c.kind = 'events')
  GROUP BY source_key
  UNION ALL
  SELECT 'songs' AS kind, source_key, COUNT(*) AS records FROM staging_songs
  WHERE run_id = {{run_id}} AND NOT EXISTS (SELECT 1 FROM etl_file_counts c WHERE c.run_id = {{run_id}} AND c.kind = 'songs')
  GROUP BY source_key
) AS staged ON staged.kind = f.kind AND staged.source_key = f.source_key
LEFT JOIN (
  SELECT source_key, COUNT(*) AS rejects FROM etl_rejected_records WHERE run_id = {{run_id}} GROUP BY source_key
) AS rejected ON rejected.source_key = f.source_key
WHERE f.run_id = {{run_id}};
