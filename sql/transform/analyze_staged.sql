-- PostgreSQL only (run by repairText): planner statistics for what this run staged and repaired,
-- before the publishes join them; without them PostgreSQL guesses row counts and may plan nested
-- loops over staging. Once per run, not inside the publishes (parallel; they'd queue on its lock).
ANALYZE staging_events;
ANALYZE staging_songs;
ANALYZE etl_text_repairs;
