-- `sparkify runs list`: of the failed runs {{run_ids}}, those recorded as abandoned (etl_abandoned_runs):
-- Temporal's status and close, or the operator's reason; who found them and when. Times are UTC text.
SELECT run_id, workflow_id, status, CAST(closed_at AS VARCHAR) AS closed_at, CAST(found_at AS VARCHAR) AS found_at, found_by, reason
FROM etl_abandoned_runs
WHERE run_id IN ({{run_ids}});
