/**
 * Which of some tables, and which of their columns, a warehouse has: one an earlier release built
 * may lack a table or a column this release adds, so what reads such a table, or adds the column,
 * asks first. One statement each (sql/catalog/), the same on every engine.
 */
import { sqlStatement } from './sql';
import type { Warehouse } from './types';

/** Those of `tables` the warehouse has, by their lower-case names. */
export async function tablesPresent(warehouse: Warehouse, tables: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  if (tables.length === 0) return new Set();
  const rows = await warehouse.query(sqlStatement('catalog/tables_present', warehouse.dialect, { tables }), { signal });
  return new Set(rows.map((row) => String(row.table_name).toLowerCase()));
}

/** The columns of each of `tables` the warehouse has, by lower-case names: a table it lacks has no entry. */
export async function tableColumns(warehouse: Warehouse, tables: readonly string[], signal?: AbortSignal): Promise<Map<string, Set<string>>> {
  const columns = new Map<string, Set<string>>();
  if (tables.length === 0) return columns;
  for (const row of await warehouse.query(sqlStatement('catalog/table_columns', warehouse.dialect, { tables }), { signal })) {
    const table = String(row.table_name).toLowerCase();
    if (!columns.has(table)) columns.set(table, new Set());
    columns.get(table)!.add(String(row.column_name).toLowerCase());
  }
  return columns;
}
