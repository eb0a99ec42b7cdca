-- etl_parsed_rows: the session's events records as the worker parsed and checked them (where the
-- warehouse takes parsed rows): file key, line, the typed staging_events columns, and for a rejected
-- record its reason and raw text (capped). Lives only for this staging call.
DROP TABLE IF EXISTS etl_parsed_rows;
CREATE TEMP TABLE etl_parsed_rows (
  source_key       {{text}} NOT NULL,
  source_line      INTEGER NOT NULL,
  artist           {{text}},
  auth             {{text}},
  firstname        {{text}},
  gender           {{text}},
  iteminsession    INTEGER,
  lastname         {{text}},
  length           DOUBLE PRECISION,
  level            {{text}},
  location         {{text}},
  method           {{text}},
  page             {{text}},
  registration     DOUBLE PRECISION,
  sessionid        BIGINT,
  song             {{text}},
  status           INTEGER,
  ts               BIGINT,
  useragent        {{text}},
  userid           {{text}},
  reason           {{text}},
  raw              {{text}}
);
