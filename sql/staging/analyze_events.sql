-- After staging events: the joins on the freshly loaded table need planner statistics before
-- autovacuum would get there. On PostgreSQL, where staging_events has a partition per run, this
-- gathers the statistics of each partition and of the table as a whole: a run's statements read
-- its own partition, but PostgreSQL estimates their groupings and joins from the whole table's
-- (without them, from its default guess of 200 groups). Autovacuum never gathers the latter. A
-- PostgreSQL run runs this only when the whole table's statistics are due; else it analyzes its
-- own partition (postgres/analyze_run_events.sql; the rule: src/staging/stagingStatistics.ts).
ANALYZE staging_events;
