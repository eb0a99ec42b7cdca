-- etl_schema_version: records this release's version, after createSchema created what was missing.
-- Never lowers a newer one (a newer release recorded it between this release's check and now).
DELETE FROM etl_schema_version WHERE schema_version < {{schema_version}};

INSERT INTO etl_schema_version (schema_version, recorded_at)
SELECT {{schema_version}}, CAST({{recorded_at}} AS TIMESTAMP)
FROM (SELECT COUNT(*) AS recorded FROM etl_schema_version) AS existing
WHERE existing.recorded = 0;
