-- The first few rejects of a staging call (for the result and the failure message), in file
-- and line order (then reason: a COPY's rejects share a NULL line).
SELECT source_key, source_line, reason
FROM etl_rejected_records
WHERE run_id = {{run_id}} AND kind = {{kind}}
ORDER BY source_key, source_line, reason
LIMIT {{limit}};
