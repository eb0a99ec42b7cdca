-- Server-side staging (Redshift COPY) of events: the COPY filled the session table {{ident:loaded}}.
-- Records the worker's parser would reject (src/etl/records.ts: a required field missing, a ts outside the supported dates, a userId that is not digits or is beyond INTEGER,
-- which the star tables cast it to) go to
-- etl_rejected_records with the reason, as do values that reach a VARCHAR's 65535 bytes (COPY runs
-- with TRUNCATECOLUMNS and may have cut them; a cut stops up to 3 bytes short of the limit). The
-- rest go to staging_events. COPY can't tell which file a row came from: {{source_key}} is the file
-- when one was loaded, else NULL, and source_line is NULL (docs/redshift.md). Both statements
-- hold the same CASE (test/unit/serverStagingSql.test.ts keeps them equal).
INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, 'events', {{source_key}}, NULL, reason, NULL
FROM (
  SELECT CASE
    WHEN iteminsession IS NULL THEN 'field "itemInSession" is missing'
    WHEN page IS NULL THEN 'field "page" is missing'
    WHEN sessionid IS NULL THEN 'field "sessionId" is missing'
    WHEN ts IS NULL THEN 'field "ts" is missing'
    WHEN NOT {{event_time_within(ts)}} THEN {{event_time_problem(ts)}} || CAST(ts AS VARCHAR)
    WHEN OCTET_LENGTH(artist) > 65531 THEN 'field "artist" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(auth) > 65531 THEN 'field "auth" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(firstname) > 65531 THEN 'field "firstName" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(gender) > 65531 THEN 'field "gender" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(lastname) > 65531 THEN 'field "lastName" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(level) > 65531 THEN 'field "level" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(location) > 65531 THEN 'field "location" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(method) > 65531 THEN 'field "method" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(page) > 65531 THEN 'field "page" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(song) > 65531 THEN 'field "song" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(useragent) > 65531 THEN 'field "userAgent" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(userid) > 65531 THEN 'field "userId" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN TRIM(userid) <> '' AND NOT (TRIM(userid) ~ '^[0-9]+$') THEN 'field "userId" should be digits or empty, got ' || userid
    WHEN LENGTH(LTRIM(TRIM(userid), '0')) > 10 OR (LENGTH(LTRIM(TRIM(userid), '0')) = 10 AND LTRIM(TRIM(userid), '0') > '2147483647') THEN 'field "userId" is out of range for INTEGER, got ' || LEFT(userid, 80)
  END AS reason
  FROM {{ident:loaded}}
) AS checked
WHERE reason IS NOT NULL;

INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
SELECT {{run_id}}, {{source_key}}, NULL, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid
FROM {{ident:loaded}}
WHERE (CASE
  WHEN iteminsession IS NULL THEN 'field "itemInSession" is missing'
  WHEN page IS NULL THEN 'field "page" is missing'
  WHEN sessionid IS NULL THEN 'field "sessionId" is missing'
  WHEN ts IS NULL THEN 'field "ts" is missing'
  WHEN NOT {{event_time_within(ts)}} THEN {{event_time_problem(ts)}} || CAST(ts AS VARCHAR)
  WHEN OCTET_LENGTH(artist) > 65531 THEN 'field "artist" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(auth) > 65531 THEN 'field "auth" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(firstname) > 65531 THEN 'field "firstName" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(gender) > 65531 THEN 'field "gender" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(lastname) > 65531 THEN 'field "lastName" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(level) > 65531 THEN 'field "level" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(location) > 65531 THEN 'field "location" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(method) > 65531 THEN 'field "method" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(page) > 65531 THEN 'field "page" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(song) > 65531 THEN 'field "song" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(useragent) > 65531 THEN 'field "userAgent" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(userid) > 65531 THEN 'field "userId" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN TRIM(userid) <> '' AND NOT (TRIM(userid) ~ '^[0-9]+$') THEN 'field "userId" should be digits or empty, got ' || userid
  WHEN LENGTH(LTRIM(TRIM(userid), '0')) > 10 OR (LENGTH(LTRIM(TRIM(userid), '0')) = 10 AND LTRIM(TRIM(userid), '0') > '2147483647') THEN 'field "userId" is out of range for INTEGER, got ' || LEFT(userid, 80)
END) IS NULL;
