-- Benchmark, PostgreSQL: a floor's or a workflow's database once measured. Its files go with it, so
-- the next measured run neither writes its pages back to disk nor shares the page cache with them
-- (as the DuckDB files are deleted: src/bench/run.ts).
DROP DATABASE IF EXISTS {{ident:database}} WITH (FORCE);
