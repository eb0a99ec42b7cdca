-- `sparkify runs list`: of the runs {{run_ids}} (no recorded outcome), those with a publishing mark
-- (etl_publishing_runs) and since when, UTC text.
SELECT run_id, CAST(started_at AS VARCHAR) AS started_at
FROM etl_publishing_runs
WHERE run_id IN ({{run_ids}});
