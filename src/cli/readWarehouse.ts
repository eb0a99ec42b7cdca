/**
 * The warehouse of a command that reads it (sql, insights): opened without creating anything, and
 * told apart from one no load has filled.
 */
import fs from 'node:fs';
import { ConfigError, parseWarehouseUri, warehouseIdentity } from '../config';
import { STAR_TABLES } from '../etl/dag';
import { openWarehouse, type Warehouse } from '../warehouse';
import { sqlStatement } from '../warehouse/sql';


const loadFirst = (identity: string) => `run a load first: sparkify run --source DIR --warehouse ${identity}`;

/** Opens `uri`; a duckdb: path with nothing there is refused (opening it would create an empty warehouse). */
export async function openWarehouseToRead(uri: string): Promise<Warehouse> {
  const config = parseWarehouseUri(uri);
  if (config.kind === 'duckdb' && config.path !== ':memory:' && !fs.existsSync(config.path)) {
    throw new ConfigError(`no DuckDB warehouse at ${config.path} (${loadFirst(warehouseIdentity(uri))})`);
  }
  return openWarehouse(config);
}

/** Throws, naming what is missing, unless the warehouse has every star table. */
export async function requireStarTables(warehouse: Warehouse): Promise<void> {
  const rows = await warehouse.query(sqlStatement('cli/star_tables_present', warehouse.dialect, { tables: STAR_TABLES }));
  const present = new Set(rows.map((row) => String(row.table_name)));
  const missing = STAR_TABLES.filter((table) => !present.has(table));
  if (missing.length > 0) {
    throw new ConfigError(`${warehouse.description} has not been loaded yet (no ${missing.join(', ')} table${missing.length === 1 ? '' : 's'}): ${loadFirst(warehouse.description)}`);
  }
}
