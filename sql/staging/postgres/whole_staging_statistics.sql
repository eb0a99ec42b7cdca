-- What staging_events' whole-table statistics were gathered from (PostgreSQL), read before a run
-- stages events, for the ANALYZE its staging ends with (src/staging/stagingStatistics.ts): the
-- table's rows at its last whole ANALYZE (NULL if never, or if it has no statistics of the whole
-- table), how long ago that was, and the rows of the other runs' partitions (each analyzed when it
-- was staged, so its reltuples are its rows then). An ANALYZE of the partitioned table gathers both
-- the whole table's statistics (the runs' statements estimate their groupings from them) and every
-- partition's again; PostgreSQL 15 has no ANALYZE of the parent alone.
SELECT CASE WHEN p.reltuples >= 0 AND EXISTS (SELECT 1 FROM pg_statistic st WHERE st.starelid = p.oid AND st.stainherit)
            THEN p.reltuples END AS analyzed_rows,
       EXTRACT(EPOCH FROM now() - s.last_analyze) AS analyzed_seconds_ago,
       (SELECT COALESCE(SUM(GREATEST(c.reltuples, 0)), 0)
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = p.oid AND c.oid IS DISTINCT FROM to_regclass({{partition}})) AS other_rows
FROM pg_class p
LEFT JOIN pg_stat_all_tables s ON s.relid = p.oid
WHERE p.oid = to_regclass('staging_events') AND p.relkind = 'p';
