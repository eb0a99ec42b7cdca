-- The run's staged events of a user (a userId given) whose level is not 'free' or 'paid': a few
-- of them ({{samples}}, by file and line) with the reason each is rejected for, and how many there
-- are. users and songplays take a user's level from such events, and a level outside the two
-- failed the run's quality checks after it had published, and every run after it.
SELECT source_key, source_line,
       CASE WHEN level IS NULL THEN 'field "level" is missing'
            ELSE 'field "level" should be free or paid, got "' || LEFT(level, 80) || '"' END AS reason,
       COUNT(*) OVER () AS events
FROM staging_events
WHERE run_id = {{run_id}} AND TRIM(userid) <> '' AND (level IS NULL OR level NOT IN ('free', 'paid'))
ORDER BY source_key, source_line
LIMIT {{samples}};
