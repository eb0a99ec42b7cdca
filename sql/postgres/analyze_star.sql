-- PostgreSQL, before the quality checks: fresh statistics of the star tables the publishes just
-- wrote. Without them (a first run, or before autovacuum comes round) the planner took each
-- references check for a nested loop of index probes over every play: 6.3M random reads at 8M events.
ANALYZE songplays, users, songs, artists, time;
