-- Before repairText stores a run's repairs: drop what an earlier attempt of the run stored.
DELETE FROM etl_text_repairs WHERE run_id = {{run_id}};
