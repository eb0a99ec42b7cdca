/**
 * What a warehouse has, asked of its catalog (src/warehouse/catalog.ts): which of some tables, in
 * the warehouse's own schema. On DuckDB, PostgreSQL and Redshift (the emulator).
 */
import { tablesPresent } from '../src/warehouse/catalog';
import { threeWarehousesInFile } from './support/threeWarehouses';

const ENGINES = ['duckdb', 'postgres', 'redshift'];

const warehouses = threeWarehousesInFile({ label: 'catalog', schema: [] });

/** A table in another schema, which the warehouse's queries do not see; not on the Redshift emulator, which takes no CREATE SCHEMA (the pipeline runs none). */
const elsewhere = (name: string, ...statements: string[]) => (name === 'redshift' ? [] : statements);

test.each(ENGINES)('%s: tablesPresent answers the tables asked about that the warehouse has, in its own schema only', async (name) => {
  const warehouse = warehouses[name];
  await warehouse.execute(['CREATE TABLE catalog_here (a INTEGER, b VARCHAR(10))', ...elsewhere(name, 'CREATE SCHEMA catalog_other', 'CREATE TABLE catalog_other.catalog_elsewhere (a INTEGER)')]);
  expect(await tablesPresent(warehouse, ['catalog_here', 'catalog_absent', 'catalog_elsewhere'])).toEqual(new Set(['catalog_here']));
  expect(await tablesPresent(warehouse, ['catalog_absent'])).toEqual(new Set());
  expect(await tablesPresent(warehouse, [])).toEqual(new Set());
});
