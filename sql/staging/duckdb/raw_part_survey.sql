-- Raw-line staging, after the typed stage of a part (stage_typed_events.sql over raw_part_lines.sql):
-- how many lines the part holds and its files' key range. Lines the typed stage did not stage
-- (fewer staged than lines) are then found by unstaged_raw_lines.sql within that key range.
SELECT COUNT(*) AS lines, MIN(source_key) AS first_key, MAX(source_key) AS last_key FROM etl_direct_lines;
