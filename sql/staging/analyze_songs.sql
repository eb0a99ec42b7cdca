-- After staging songs: the joins on the freshly loaded table need planner statistics before
-- autovacuum would get there.
ANALYZE staging_songs;
