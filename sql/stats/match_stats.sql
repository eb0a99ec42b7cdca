-- How this run's plays matched songs: the strict rule (title, artist name and duration exactly
-- equal to a song's, the textbook rule) against the repaired rule songplays uses. Counted by the
-- songplays publish (sql/transform/songplays.sql), each play once, from the plays it published.
SELECT plays, strict_matches, repaired_matches
FROM etl_match_stats
WHERE run_id = {{run_id}};
