-- PostgreSQL: the schema the pipeline creates and reads its tables in: the first schema of the
-- search_path that exists (NULL when none does: every CREATE TABLE then fails with SQLSTATE 3F000),
-- and whether the user may create tables in it and use them. Read by sparkify doctor, and to explain a 3F000.
SELECT current_setting('search_path') AS search_path,
       current_schema() AS schema_name,
       current_user AS user_name,
       current_database() AS database_name,
       COALESCE(has_schema_privilege(current_schema(), 'CREATE'), false) AS can_create,
       COALESCE(has_schema_privilege(current_schema(), 'USAGE'), false) AS can_use;
