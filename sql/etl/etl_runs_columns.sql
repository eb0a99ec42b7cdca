-- createSchema and sparkify insights: the columns etl_runs has (none: no etl_runs yet), so a
-- column a later release added (report_error) is added to, or not read from, an earlier one's.
-- Same text on every engine.
SELECT column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'etl_runs'
