-- Quality check pages_like_next_song: this run's events whose page reads NextSong but for case or spaces
-- ('nextsong', ' NextSong', 'Next Song'), which are not plays (a play's page is exactly 'NextSong'):
-- a few as file:line (a Redshift COPY of several files names none), each row with the count of all.
SELECT COALESCE(source_key, '(file not named by COPY)') || ':' || COALESCE(CAST(source_line AS VARCHAR), '?') AS sample_key,
       COUNT(*) OVER () AS failing
FROM staging_events
WHERE run_id = {{run_id}} AND page <> 'NextSong' AND LOWER(REPLACE(page, ' ', '')) = 'nextsong'
ORDER BY 1
LIMIT {{samples}};
