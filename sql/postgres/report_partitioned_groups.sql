-- PostgreSQL: what insights/activity_engagement.sql runs after, on top of report_settings.sql. Its
-- first grouping (the window's plays per session, day and level: 184k groups of 1.26M plays at 1.6M
-- events) made a hash table of ~57MB at 256MB, which every play reached at random, a cache miss a
-- play. At 2MB PostgreSQL spills the plays into partitions and groups each in a table of its own
-- that stays in the core's cache: at 1.6M events 1.35-1.47 CPU-s for the query against 1.67-2.08,
-- the same rows (docs/performance-log.md). content_top.sql and content_played.sql run after it too:
-- their groupings of every play (per song and artist id; per name, 183k names at 8M events) grew
-- faster than the plays (their tables outgrowing the cache, we read). Alone at 8M events,
-- 7.27-7.55 s against 6.33-6.64 s with it, and 5.79-5.99 s against 4.67-4.95 s, the same rows (the
-- same or less at 1.6M); the whole report, two queries at a time, 12.62-14.35 s against
-- 11.30-13.27 s. The other report queries gain nothing from it (audience_levels then sorts, and
-- slows by a third); they keep 256MB.
SET LOCAL work_mem = '2MB';
-- Hashed, not sorted: at that memory PostgreSQL may plan the groupings as sorts of every play on
-- disk instead (it did at 150,000 plays; at 1.6M events 1.83-1.85 CPU-s). The sorts the query
-- cannot do without (engagement's distinct users of a day, the top lists, the result's order) stay.
SET LOCAL enable_sort = off;
