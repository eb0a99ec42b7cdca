-- etl_schema_version: the version recorded (NULL if none); fails when the table does not exist
-- (a warehouse an earlier release built, or a new one).
SELECT MAX(schema_version) AS schema_version FROM etl_schema_version;
