-- DuckDB: the compressions its writes leave out ({{methods}}, comma-separated; '' for none), a
-- setting of the whole database: set while staging COPYs run, then put back as it was.
SET disabled_compression_methods = {{methods}};
