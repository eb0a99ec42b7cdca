-- cancel_backend (PostgreSQL): cancels the statement the backend {{pid}} runs, when an activity's
-- warehouse call is aborted (src/warehouse/postgres.ts sends it over a connection of its own).
SELECT pg_cancel_backend({{pid}});
