-- etl_unknown_runs: the runs found unknown that have an outcome now (one that went on on another
-- server and recorded itself) are no longer waiting for an operator: their rows go. A row per
-- recorded run read (etl_runs, etl_failed_runs).
DELETE FROM etl_unknown_runs
WHERE run_id IN (SELECT run_id FROM etl_runs UNION SELECT run_id FROM etl_failed_runs);
