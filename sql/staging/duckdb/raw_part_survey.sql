-- After the typed stage (stage_typed_events.sql) of a raw-line part (raw_part_lines.sql) or of a batch DuckDB
-- reads itself (read_events.sql): how many lines etl_direct_lines holds and its files' key range. Lines the typed
-- stage did not stage (fewer staged than lines) are then found by unstaged_raw_lines.sql within that key range.
SELECT COUNT(*) AS lines, MIN(source_key) AS first_key, MAX(source_key) AS last_key FROM etl_direct_lines;
