/**
 * The columns later releases added to bookkeeping tables an earlier release created, and the
 * statements that add each in place: createSchema adds every one it finds missing, asking the
 * catalog once for all their tables; recordReportError and `sparkify runs cleanup`, which may meet
 * such a warehouse before its next run's createSchema, add the one of the table they write.
 */
import { tableColumns } from '../warehouse/catalog';
import { sqlStatements, type SqlName } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

const ADDED_COLUMNS = [
  // Why a completed run's report was not written (recordReportError); readers of an earlier
  // etl_runs do without it until then (sparkify insights: src/cli/readWarehouse.ts).
  { table: 'etl_runs', column: 'report_error', add: 'schema/etl_runs_report_error' },
  // An operator's reason: `sparkify runs cleanup --abandon`.
  { table: 'etl_abandoned_runs', column: 'reason', add: 'schema/etl_abandoned_runs_reason' },
] as const satisfies readonly { table: string; column: string; add: SqlName }[];

export type TableWithAddedColumn = (typeof ADDED_COLUMNS)[number]['table'];

/** Every table a later release added a column to: createSchema's question. */
export const TABLES_WITH_ADDED_COLUMNS: readonly TableWithAddedColumn[] = [...new Set(ADDED_COLUMNS.map((a) => a.table))];

/**
 * What adds the columns of ADDED_COLUMNS that `tables` lack, as an earlier release created them;
 * none to a new warehouse, or to one without the table: its CREATE TABLE has every column. Read
 * before the locked statements that run it: two runs starting at once on a warehouse that lacks a
 * column both add it, and the second's statements fail on the column they find and are retried,
 * when this sees the column.
 */
export async function addedColumnStatements(warehouse: Warehouse, tables: readonly TableWithAddedColumn[], signal?: AbortSignal): Promise<string[]> {
  // A table not asked about has no entry here, as one the warehouse lacks: nothing is added to it.
  const columns = await tableColumns(warehouse, tables, signal);
  return ADDED_COLUMNS.flatMap(({ table, column, add }) => {
    const present = columns.get(table);
    return present && !present.has(column) ? sqlStatements(add, warehouse.dialect) : [];
  });
}
