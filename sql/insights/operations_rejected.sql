-- Operations: rejected records per run and kind (every one is kept in etl_rejected_records).
SELECT r.run_id, r.kind, COUNT(*) AS records, MIN(runs.started_at) AS started_at
FROM etl_rejected_records r
LEFT JOIN etl_runs runs ON runs.run_id = r.run_id
GROUP BY r.run_id, r.kind
ORDER BY started_at, r.run_id, r.kind;
