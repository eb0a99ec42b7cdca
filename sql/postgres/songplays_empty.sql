-- PostgreSQL, before a songplays publish: whether songplays holds no row (a first load). Such a
-- publish writes its plays without the primary key and builds the key once after them
-- (postgres/songplays_key_drop.sql, postgres/songplays_key_build.sql): read before the publish's
-- locks, so only a hint; a publish that found rows another run wrote since is as correct, only slower.
SELECT NOT EXISTS (SELECT 1 FROM songplays) AS empty;
