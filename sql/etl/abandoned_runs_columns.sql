-- createSchema and `sparkify runs cleanup`: the columns etl_abandoned_runs has (none: no table yet),
-- so the one a later release added (reason) is added to an earlier one's. Same text on every engine.
SELECT column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'etl_abandoned_runs'
