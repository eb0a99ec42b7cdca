-- etl_attempt_fence: claims a run's step for this attempt, in its own transaction at the attempt's
-- start. A newer attempt takes over an older one's claim; an older one never takes a newer one's.
-- On PostgreSQL the UPDATE waits while a write transaction holding the claim's row lock is open.
UPDATE etl_attempt_fence SET attempt = {{attempt}}
WHERE run_id = {{run_id}} AND step = {{step}} AND attempt < {{attempt}};

INSERT INTO etl_attempt_fence (run_id, step, attempt)
SELECT {{run_id}}, {{step}}, {{attempt}}
WHERE NOT EXISTS (SELECT 1 FROM etl_attempt_fence WHERE run_id = {{run_id}} AND step = {{step}});
