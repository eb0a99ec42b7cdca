-- time (dimension): one row per distinct songplays.start_time, broken into calendar parts.
-- week is the ISO-8601 week; weekday is 0 = Sunday … 6 = Saturday.
CREATE TABLE IF NOT EXISTS time (
  start_time TIMESTAMP NOT NULL,
  hour       INTEGER,
  day        INTEGER,
  week       INTEGER,
  month      INTEGER,
  year       INTEGER,
  weekday    INTEGER
  {{primary_key(start_time)}}
) {{table_attributes(DISTSTYLE ALL SORTKEY(start_time))}};
