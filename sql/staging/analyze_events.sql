-- After staging events: the joins on the freshly loaded table need planner statistics before
-- autovacuum would get there. On PostgreSQL, where staging_events has a partition per run, this
-- gathers the statistics of each partition and of the table as a whole: a run's statements read
-- its own partition, but PostgreSQL estimates their groupings and joins from the whole table's
-- (without them, from its default guess of 200 groups). Autovacuum never gathers the latter.
ANALYZE staging_events;
