/**
 * Which of some tables a warehouse has: one no load has filled, or an earlier release built, may
 * lack a table this release reads, so what reads such a table asks first (sql/catalog/, the same
 * statement on every engine).
 */
import { sqlStatement } from './sql';
import type { Warehouse } from './types';

/** Those of `tables` the warehouse has, by their lower-case names. */
export async function tablesPresent(warehouse: Warehouse, tables: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  if (tables.length === 0) return new Set();
  const rows = await warehouse.query(sqlStatement('catalog/tables_present', warehouse.dialect, { tables }), { signal });
  return new Set(rows.map((row) => String(row.table_name).toLowerCase()));
}
