-- PostgreSQL, before the quality checks: fresh statistics of the star tables the publishes just
-- wrote. Without them (a first run, or before autovacuum comes round) the planner took each
-- references check for a nested loop of index probes over every play: 6.3M random reads at 8M events.
-- etl_songplay_names too (written with songplays, read by the report's content_played): without
-- statistics its plays were grouped by name through a sort of every play (3.4 s, not 1 s, at 1.6M).
-- Two statements of about the same cost (1.6M events: 0.28 and 0.2 CPU-s), run at once on two sessions.
ANALYZE songplays, time;
ANALYZE etl_songplay_names, users, songs, artists, etl_play_names;
