-- etl_runs: why the run's insights report was not written, on the row summarizeRun recorded when
-- the run completed (src/workflows/etl.ts, after writeReport failed for good).
UPDATE etl_runs SET report_error = {{report_error}} WHERE run_id = {{run_id}};
