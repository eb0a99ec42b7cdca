-- After direct staging: the screen's macros (typed_screen.sql) go, so the pooled session carries
-- nothing over.
DROP MACRO IF EXISTS etl_sure_text;
DROP MACRO IF EXISTS etl_sure_user_id;
DROP MACRO IF EXISTS etl_sure_integer;
DROP MACRO IF EXISTS etl_sure_bigint;
DROP MACRO IF EXISTS etl_sure_event_time;
DROP MACRO IF EXISTS etl_sure_number;
