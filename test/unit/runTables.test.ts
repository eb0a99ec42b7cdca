/**
 * `sparkify doctor` and `sparkify runs cleanup` each kept a list of the tables that hold a run
 * without a recorded outcome, different on purpose (doctor needs etl_failed_runs present; cleanup
 * creates it): one list now (src/ledger/abandonedRuns.ts), checked against what
 * sql/etl/unrecorded_runs.sql reads, so a table added to the question is not left out of either.
 */
import { FAILED_RUNS_TABLE, RUN_TABLES, runTablesPresent } from '../../src/ledger/abandonedRuns';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { readSqlFile, sqlStatements } from '../../src/warehouse/sql';

test('the run tables are the tables sql/etl/unrecorded_runs.sql reads', () => {
  const statement = readSqlFile('etl/unrecorded_runs').replace(/--.*$/gm, '');
  const read = [...statement.matchAll(/\bFROM\s+([a-z_]+)/gi)].map((m) => m[1]);
  expect([...new Set(read)].sort()).toEqual([...RUN_TABLES, FAILED_RUNS_TABLE].sort());
});

test('runTablesPresent tells a warehouse without runs, one of a release before the record of failed runs, and one of this release', async () => {
  const warehouse = await DuckDbWarehouse.open(':memory:');
  try {
    expect(await runTablesPresent(warehouse)).toEqual({ runs: false, failedRuns: false });
    await warehouse.execute(sqlStatements('schema/etl_tables', 'duckdb'));
    expect(await runTablesPresent(warehouse)).toEqual({ runs: true, failedRuns: false });
    await warehouse.execute(sqlStatements('schema/etl_failed_runs', 'duckdb'));
    expect(await runTablesPresent(warehouse)).toEqual({ runs: true, failedRuns: true });
  } finally {
    await warehouse.close();
  }
});
