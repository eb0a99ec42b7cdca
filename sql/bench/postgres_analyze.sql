-- Benchmark floor, PostgreSQL: planner statistics for the freshly copied staging tables, as any
-- hand-written load would gather before joining them.
ANALYZE staging_events;
ANALYZE staging_songs;
