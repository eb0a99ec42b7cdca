-- etl_load_ledger: records every file this run listed as loaded, with the records it staged and
-- rejected. Runs in the same transaction as the songplays publish, the run's last publish step,
-- so a file is in the ledger exactly when everything it feeds has been published.
DELETE FROM etl_load_ledger
WHERE source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}});

INSERT INTO etl_load_ledger (kind, source_key, etag, size, records, rejects, run_id, loaded_at)
SELECT f.kind, f.source_key, f.etag, f.size,
       COALESCE(staged.records, counted.records, 0), COALESCE(rejected.rejects, 0), f.run_id, CAST({{loaded_at}} AS TIMESTAMP)
FROM etl_run_files f
LEFT JOIN (
  SELECT source_key, COUNT(*) AS records FROM staging_events WHERE run_id = {{run_id}} GROUP BY source_key
  UNION ALL
  SELECT source_key, COUNT(*) AS records FROM staging_songs WHERE run_id = {{run_id}} GROUP BY source_key
) AS staged ON staged.source_key = f.source_key
LEFT JOIN (
  SELECT source_key, COUNT(*) AS rejects FROM etl_rejected_records WHERE run_id = {{run_id}} GROUP BY source_key
) AS rejected ON rejected.source_key = f.source_key
-- Where staging rows carry no file (a Redshift COPY of several files), its per-file counts.
LEFT JOIN etl_file_counts counted ON counted.run_id = f.run_id AND counted.kind = f.kind AND counted.source_key = f.source_key
WHERE f.run_id = {{run_id}};
