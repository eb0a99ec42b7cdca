-- A view: the checks of every event record, in source field order: the first failing one is its reason
-- (NULL: the record stages). Over etl_stage_fields (staging/<engine>/extract_events.sql); each
-- field's check is its staging column's type (see src/warehouse/stagingFragments.ts).
DROP VIEW IF EXISTS etl_stage_checks;
CREATE TEMP VIEW etl_stage_checks AS
SELECT f.*,
  COALESCE(
    reason0,
    {{text_reason(artist, artist)}},
    {{text_reason(auth, auth)}},
    {{text_reason(firstname, firstName)}},
    {{text_reason(gender, gender)}},
    {{integer_reason(iteminsession, itemInSession, INTEGER, required)}},
    {{text_reason(lastname, lastName)}},
    {{number_reason(length, length)}},
    {{text_reason(level, level)}},
    {{text_reason(location, location)}},
    {{text_reason(method, method)}},
    CASE WHEN j_page IS NULL THEN 'field "page" is missing' END,
    {{text_reason(page, page)}},
    {{number_reason(registration, registration)}},
    {{integer_reason(sessionid, sessionId, BIGINT, required)}},
    {{text_reason(song, song)}},
    {{integer_reason(status, status, INTEGER)}},
    {{integer_reason(ts, ts, BIGINT, required)}},
    {{event_time_reason(ts, ts)}},
    {{text_reason(useragent, userAgent)}},
    {{text_reason(userid, userId)}},
    {{user_id_reason(userid, userId)}}
  ) AS reason
FROM etl_stage_fields AS f;
