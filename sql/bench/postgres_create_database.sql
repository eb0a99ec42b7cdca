-- Benchmark, tests and chaos runs on a throwaway PostgreSQL cluster: a new database for one run or
-- one floor (src/bench/postgresServer.ts names it <prefix>_<random hex>).
CREATE DATABASE {{ident:database}};
