-- The run's event logs that had records rejected and none staged (a log that is one JSON array, a
-- log with CR-only line ends), with their listed size and the size of all the run's logs: such a
-- log weighs one record in the reject rate, however many events it holds, so staging also weighs
-- it by its bytes. A Redshift COPY of several files tags no staging row with its file: there the
-- per-file counts of etl_file_counts say what was staged.
SELECT r.source_key, r.rejects, r.first_line, first_reject.reason AS first_reason, f.size,
       (SELECT SUM(size) FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'events') AS run_bytes
FROM (
  SELECT source_key, COUNT(*) AS rejects, MIN(source_line) AS first_line
  FROM etl_rejected_records
  WHERE run_id = {{run_id}} AND kind = 'events' AND source_key IS NOT NULL
  GROUP BY source_key
) AS r
JOIN (
  SELECT source_key, source_line, MIN(reason) AS reason
  FROM etl_rejected_records
  WHERE run_id = {{run_id}} AND kind = 'events' AND source_key IS NOT NULL
  GROUP BY source_key, source_line
) AS first_reject ON first_reject.source_key = r.source_key AND first_reject.source_line = r.first_line
JOIN etl_run_files f ON f.run_id = {{run_id}} AND f.kind = 'events' AND f.source_key = r.source_key
LEFT JOIN etl_file_counts counted ON counted.run_id = {{run_id}} AND counted.kind = 'events' AND counted.source_key = r.source_key
WHERE COALESCE(counted.records, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM staging_events s WHERE s.run_id = {{run_id}} AND s.source_key = r.source_key)
ORDER BY r.source_key;
