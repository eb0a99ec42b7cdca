-- Memory probe (src/bench/memoryProbe.ts), DuckDB: what its buffer manager holds right now, per
-- tag (tables, hash tables, CSV reader, allocator...), largest first. A diagnostic read beside
-- the steps being measured; it changes nothing.
SELECT tag, memory_usage_bytes AS bytes, temporary_storage_bytes AS temp
FROM duckdb_memory()
ORDER BY memory_usage_bytes DESC;
