-- The distinct free-text values of one run that text_candidates.sql put in etl_text_repairs, for
-- the worker to repair: as many rows as distinct names, titles, places and user agents, not events.
SELECT kind, raw FROM etl_text_repairs WHERE run_id = {{run_id}};
