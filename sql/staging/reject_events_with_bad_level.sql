-- Moves the run's staged events of a user whose level is not 'free' or 'paid'
-- (events_with_bad_level.sql) to etl_rejected_records, with file, line and reason, in one
-- transaction. The raw line is not kept here (staging holds the parsed fields only).
INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT run_id, 'events', source_key, source_line,
       CASE WHEN level IS NULL THEN 'field "level" is missing'
            ELSE 'field "level" should be free or paid, got "' || LEFT(level, 80) || '"' END,
       NULL
FROM staging_events
WHERE run_id = {{run_id}} AND TRIM(userid) <> '' AND (level IS NULL OR level NOT IN ('free', 'paid'));

DELETE FROM staging_events
WHERE run_id = {{run_id}} AND TRIM(userid) <> '' AND (level IS NULL OR level NOT IN ('free', 'paid'));
