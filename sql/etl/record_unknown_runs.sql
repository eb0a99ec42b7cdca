-- etl_unknown_runs: Temporal did not know {{run_ids}}, found so for the first time by {{found_by}} at
-- {{found_at}} (UTC). Only the runs the warehouse lists (file list or publishing mark) and that have
-- no row yet: a run that found one at the same moment added it first (both hold the schema lock).
INSERT INTO etl_unknown_runs (run_id, first_found_at, first_found_by, last_found_at, times_found)
SELECT run_id, CAST({{found_at}} AS TIMESTAMP), {{found_by}}, CAST({{found_at}} AS TIMESTAMP), 1
FROM (SELECT run_id FROM etl_run_files WHERE run_id IN ({{run_ids}})
      UNION SELECT run_id FROM etl_publishing_runs WHERE run_id IN ({{run_ids}})) listed
WHERE run_id NOT IN (SELECT run_id FROM etl_unknown_runs);
