-- A view: the checks of every song record, in source field order: the first failing one is its reason
-- (NULL: the record stages). Over etl_stage_fields (staging/<engine>/extract_songs.sql); each
-- field's check is its staging column's type (see src/warehouse/stagingFragments.ts).
DROP VIEW IF EXISTS etl_stage_checks;
CREATE TEMP VIEW etl_stage_checks AS
SELECT f.*,
  COALESCE(
    reason0,
    {{integer_reason(num_songs, num_songs, INTEGER)}},
    CASE WHEN j_artist_id IS NULL THEN 'field "artist_id" is missing' END,
    {{text_reason(artist_id, artist_id)}},
    {{number_reason(artist_latitude, artist_latitude)}},
    {{number_reason(artist_longitude, artist_longitude)}},
    {{text_reason(artist_location, artist_location)}},
    {{text_reason(artist_name, artist_name)}},
    CASE WHEN j_song_id IS NULL THEN 'field "song_id" is missing' END,
    {{text_reason(song_id, song_id)}},
    {{text_reason(title, title)}},
    {{number_reason(duration, duration)}},
    {{integer_reason(year, year, INTEGER)}}
  ) AS reason
FROM etl_stage_fields AS f;
