-- Direct staging's screen (stage_typed_*.sql): macros that prove from a record's values read by a
-- typed from_json (text and whole numbers as VARCHAR, numbers as JSON) that the checked SQL
-- (extract_*, check_*, insert_*) would stage the same record with the same values. FALSE means "not
-- proven", never "bad": such a record goes through the checked SQL, which stages or rejects it.
--
-- What a typed VARCHAR holds for each JSON value: a string, its text; an integer, its digits; any
-- other number, its digits with '.', 'e', '+' or '-' only, or a raw literal ('NaN', 'Infinity' or
-- 'Inf' in any case, '-' first when negative); true/false as such; an object or array, its JSON text
-- ({ or [ first). So a value that starts with none of '-', a digit, '{', '[' and is none of the
-- literals came from a string, as did one that starts with '-' or a digit but holds another
-- character (not a '-' literal): '3 Doors Down'. A value of canonical digits ('12', '-7', not '012'
-- or '12.0') came from a string or an integer, and the checked SQL stages both as that text, or as
-- that whole number.

-- A text column: a string, or a whole number's digits (kept as text). c is ascii(v), computed once
-- by the caller (stage_typed_*.sql): DuckDB evaluates each WHEN's ascii(v) again, half the screen's cost.
CREATE OR REPLACE TEMP MACRO etl_sure_text(v, c) AS COALESCE(v IS NULL OR CASE
  WHEN c = 45 OR (c >= 48 AND c <= 57) THEN CAST(TRY_CAST(v AS BIGINT) AS VARCHAR) = v
    OR (ltrim(v, '0123456789.eE+-') <> '' AND lower(v) <> '-nan' AND lower(v) <> '-inf' AND lower(v) <> '-infinity')
  WHEN c = 91 OR c = 123 THEN FALSE
  WHEN c = 116 OR c = 102 THEN v <> 'true' AND v <> 'false'
  WHEN c = 110 OR c = 78 OR c = 105 OR c = 73 THEN NOT (lower(v) = 'nan' OR lower(v) = 'inf' OR lower(v) = 'infinity')
  ELSE TRUE
END, FALSE);

-- userId: empty, or canonical digits within an INTEGER (users.user_id).
CREATE OR REPLACE TEMP MACRO etl_sure_user_id(v) AS
  COALESCE(v IS NULL OR v = '' OR (ascii(v) >= 48 AND ascii(v) <= 57 AND CAST(TRY_CAST(v AS INTEGER) AS VARCHAR) = v), FALSE);

-- A whole number (a JSON integer or a string of digits, as VARCHAR) that is canonical and fits the column.
CREATE OR REPLACE TEMP MACRO etl_sure_integer(v) AS COALESCE(CAST(TRY_CAST(v AS INTEGER) AS VARCHAR) = v, FALSE);
CREATE OR REPLACE TEMP MACRO etl_sure_bigint(v) AS COALESCE(CAST(TRY_CAST(v AS BIGINT) AS VARCHAR) = v, FALSE);
-- An event's time: such a whole number, within the times staging takes (EVENT_TIME_RANGE in src/etl/records.ts).
CREATE OR REPLACE TEMP MACRO etl_sure_event_time(v) AS COALESCE(CAST(TRY_CAST(v AS BIGINT) AS VARCHAR) = v AND {{event_time_within(TRY_CAST(v AS BIGINT))}}, FALSE);

-- A number (its JSON text j): a JSON number (a digit first, or '-' and a digit) that a DOUBLE holds
-- and that is not 0 (the checked SQL tells an underflow from a true zero; those go to it).
CREATE OR REPLACE TEMP MACRO etl_sure_number(j) AS COALESCE(j IS NULL OR (
  (ascii(j) >= 48 AND ascii(j) <= 57 OR (ascii(j) = 45 AND ascii(substr(j, 2, 1)) >= 48 AND ascii(substr(j, 2, 1)) <= 57))
  AND isfinite(TRY_CAST(j AS DOUBLE)) AND TRY_CAST(j AS DOUBLE) <> 0
), FALSE);
