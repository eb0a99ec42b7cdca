-- PostgreSQL: what insights/activity_engagement.sql runs after, on top of report_settings.sql. Its
-- first grouping (the window's plays per session, day and level: 184k groups of 1.26M plays at 1.6M
-- events) made a hash table of ~57MB at 256MB, which every play reached at random, a cache miss a
-- play. At 2MB PostgreSQL spills the plays into partitions and groups each in a table of its own
-- that stays in the core's cache: at 1.6M events 1.35-1.47 CPU-s for the query against 1.67-2.08,
-- the same rows (docs/performance-log.md). The other report queries were measured too and gain
-- nothing from it (audience_levels then sorts, and doubles); they keep 256MB.
SET LOCAL work_mem = '2MB';
-- Hashed, not sorted: at that memory PostgreSQL may plan the groupings as sorts of every play on
-- disk instead (it did at 150,000 plays; at 1.6M events 1.83-1.85 CPU-s). The sorts the query
-- cannot do without (the distinct users of a day, the top users, the result's order) stay.
SET LOCAL enable_sort = off;
