/**
 * What a warehouse has, asked of its catalog (src/warehouse/catalog.ts): which of some tables, and
 * the columns of each, in the warehouse's own schema; and what adds the columns later releases
 * added (src/ledger/addedColumns.ts) to the tables an earlier release created. On DuckDB,
 * PostgreSQL and Redshift (the emulator).
 */
import { addedColumnStatements } from '../src/ledger/addedColumns';
import { tableColumns, tablesPresent } from '../src/warehouse/catalog';
import { sqlStatements } from '../src/warehouse/sql';
import { threeWarehousesInFile } from './support/threeWarehouses';

const ENGINES = ['duckdb', 'postgres', 'redshift'];

const warehouses = threeWarehousesInFile({ label: 'catalog', schema: [] });

/**
 * Statements making a table in another schema, which the warehouse's queries do not see: not on the
 * Redshift emulator, which takes no CREATE SCHEMA (the pipeline runs none).
 */
const elsewhere = (name: string, ...statements: string[]) => (name === 'redshift' ? [] : statements);

/** etl_runs and etl_abandoned_runs as release 2 created them: without report_error, without reason. */
const RELEASE_2_TABLES = [
  'CREATE TABLE etl_runs (run_id VARCHAR(64) NOT NULL, window_start VARCHAR(10), window_end VARCHAR(10), source VARCHAR(256), status VARCHAR(32), started_at TIMESTAMP, finished_at TIMESTAMP, summary VARCHAR(65535))',
  'CREATE TABLE etl_abandoned_runs (run_id VARCHAR(64) NOT NULL, workflow_id VARCHAR(256) NOT NULL, status VARCHAR(64) NOT NULL, closed_at TIMESTAMP, found_at TIMESTAMP, found_by VARCHAR(256))',
];

test.each(ENGINES)('%s: tablesPresent answers the tables asked about that the warehouse has, in its own schema only', async (name) => {
  const warehouse = warehouses[name];
  await warehouse.execute(['CREATE TABLE catalog_here (a INTEGER, b VARCHAR(10))', ...elsewhere(name, 'CREATE SCHEMA catalog_other', 'CREATE TABLE catalog_other.catalog_elsewhere (a INTEGER)')]);
  expect(await tablesPresent(warehouse, ['catalog_here', 'catalog_absent', 'catalog_elsewhere'])).toEqual(new Set(['catalog_here']));
  expect(await tablesPresent(warehouse, ['catalog_absent'])).toEqual(new Set());
  expect(await tablesPresent(warehouse, [])).toEqual(new Set());
});

test.each(ENGINES)("%s: tableColumns answers each table's columns in one question, and nothing for a table the warehouse lacks", async (name) => {
  const warehouse = warehouses[name];
  await warehouse.execute(['CREATE TABLE catalog_columns (c INTEGER)', ...elsewhere(name, 'CREATE TABLE catalog_other.catalog_columns (elsewhere INTEGER)')]);
  expect(await tableColumns(warehouse, ['catalog_here', 'catalog_columns', 'catalog_absent'])).toEqual(
    new Map([
      ['catalog_here', new Set(['a', 'b'])],
      ['catalog_columns', new Set(['c'])],
    ]),
  );
  await warehouse.execute(['ALTER TABLE catalog_columns ADD COLUMN d INTEGER']);
  expect((await tableColumns(warehouse, ['catalog_columns'])).get('catalog_columns')).toEqual(new Set(['c', 'd']));
});

test.each(ENGINES)("%s: addedColumnStatements adds what an earlier release's tables lack, of the tables asked about, and nothing once they have it", async (name) => {
  const warehouse = warehouses[name];
  const d = warehouse.dialect;
  const both = ['etl_runs', 'etl_abandoned_runs'] as const;
  // A warehouse without the tables: their CREATE TABLE has every column.
  expect(await addedColumnStatements(warehouse, both)).toEqual([]);

  await warehouse.execute(RELEASE_2_TABLES);
  const reportError = sqlStatements('schema/etl_runs_report_error', d);
  const reason = sqlStatements('schema/etl_abandoned_runs_reason', d);
  expect(await addedColumnStatements(warehouse, both)).toEqual([...reportError, ...reason]);
  expect(await addedColumnStatements(warehouse, ['etl_abandoned_runs'])).toEqual(reason);
  expect(await addedColumnStatements(warehouse, ['etl_runs'])).toEqual(reportError);

  await warehouse.execute(reason);
  expect(await addedColumnStatements(warehouse, both)).toEqual(reportError);
  await warehouse.execute(reportError);
  expect(await addedColumnStatements(warehouse, both)).toEqual([]);
});
