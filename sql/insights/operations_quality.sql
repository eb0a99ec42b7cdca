-- Operations: quality-check outcomes per run (runs that failed a check have results but no
-- etl_runs row, so the run time may be missing).
SELECT q.run_id, MIN(runs.started_at) AS started_at,
       SUM(CASE WHEN q.status = 'pass' THEN 1 ELSE 0 END) AS passed,
       SUM(CASE WHEN q.status = 'fail' AND q.severity = 'warn' THEN 1 ELSE 0 END) AS warned,
       SUM(CASE WHEN q.status = 'fail' AND q.severity = 'error' THEN 1 ELSE 0 END) AS failed
FROM etl_quality_results q
LEFT JOIN etl_runs runs ON runs.run_id = q.run_id
GROUP BY q.run_id
ORDER BY started_at, q.run_id;
