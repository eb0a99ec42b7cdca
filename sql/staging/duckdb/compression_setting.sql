-- DuckDB: the string compressions the database leaves out now, read before a staging COPY turns
-- some off (src/warehouse/duckdbStagingCompression.ts) so the last staging can put them back.
SELECT current_setting('disabled_compression_methods') AS v;
