-- After a run stages events on PostgreSQL, when the whole table's statistics still stand for it
-- (src/staging/stagingStatistics.ts): the run's own partition's statistics only. Its statements read
-- that partition, and need its rows and values before autovacuum would get there.
ANALYZE {{ident:partition}};
