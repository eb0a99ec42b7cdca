-- The runs other than {{run_id}} that listed files or marked a publish and recorded no outcome
-- (neither in etl_runs nor in etl_failed_runs): still going, or closed without a record, which
-- src/ledger/abandonedRuns.ts asks Temporal. From the file lists (a row per file, not per record).
SELECT run_id
FROM (SELECT run_id FROM etl_run_files UNION SELECT run_id FROM etl_publishing_runs) listed
WHERE run_id <> {{run_id}}
  AND run_id NOT IN (SELECT run_id FROM etl_runs)
  AND run_id NOT IN (SELECT run_id FROM etl_failed_runs)
ORDER BY run_id;
