-- The run's song files that gave no record, neither staged nor rejected (only whitespace, an
-- empty array): each is kept as one rejected record, line 1, reason {{reason}}, so no file loads as
-- nothing in silence. A Redshift COPY of several files tags no staging row with its file: there
-- the per-file counts of etl_file_counts say what was staged. Run again, it adds nothing.
INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT f.run_id, f.kind, f.source_key, 1, {{reason}}, ''
FROM etl_run_files f
LEFT JOIN etl_file_counts counted ON counted.run_id = f.run_id AND counted.kind = f.kind AND counted.source_key = f.source_key
WHERE f.run_id = {{run_id}} AND f.kind = 'songs'
  AND COALESCE(counted.records, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM staging_songs s WHERE s.run_id = f.run_id AND s.source_key = f.source_key)
  AND NOT EXISTS (SELECT 1 FROM etl_rejected_records r WHERE r.run_id = f.run_id AND r.kind = f.kind AND r.source_key = f.source_key);
