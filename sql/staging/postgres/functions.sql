-- PostgreSQL: the session's helper for parsing raw records: etl_try_json is the text as json, or
-- NULL when it is not valid JSON (PostgreSQL 15 has no non-throwing cast). Session-local (pg_temp),
-- so concurrent stagings never race to create it. (One line: statements split at a line-ending ;)
CREATE OR REPLACE FUNCTION pg_temp.etl_try_json(t text) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN t::json; EXCEPTION WHEN others THEN RETURN NULL; END $$;
