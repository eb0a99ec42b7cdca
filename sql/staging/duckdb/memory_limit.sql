-- DuckDB: the buffer pool's bound as DuckDB prints it ('128.0 MiB'), read before direct staging: read_blob
-- takes a file whole in one allocation, which must fit the pool (src/staging/stageDirect.ts).
SELECT current_setting('memory_limit') AS v;
