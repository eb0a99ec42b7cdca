-- Before a run's check results are stored: drop what an earlier attempt (or the checks on staged
-- data) stored for the run.
DELETE FROM etl_quality_results WHERE run_id = {{run_id}};
