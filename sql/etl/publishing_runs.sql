-- etl_publishing_runs: the runs other than {{run_id}} whose publish has begun and whose check step has
-- not, the earliest first.
SELECT run_id, CAST(started_at AS VARCHAR) AS started_at
FROM etl_publishing_runs
WHERE run_id <> {{run_id}}
ORDER BY started_at, run_id;
