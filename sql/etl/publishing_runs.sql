-- etl_publishing_runs: the runs other than {{run_id}} whose publish has begun and whose check step has
-- not, the earliest first. A mark older than {{not_before}} (now minus the longest a live run stays
-- marked: src/activities/publishingRuns.ts) is a run terminated mid-publish: it does not count.
SELECT run_id, CAST(started_at AS VARCHAR) AS started_at
FROM etl_publishing_runs
WHERE run_id <> {{run_id}} AND started_at >= CAST({{not_before}} AS TIMESTAMP)
ORDER BY started_at, run_id;
