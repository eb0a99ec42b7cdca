/**
 * The columns of etl_runs that a later release added (report_error): createSchema adds them to the
 * etl_runs of an earlier release, and readers that may meet such a warehouse before its next run
 * (sparkify insights) ask whether it has them.
 */
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/** The columns etl_runs has: none where there is no etl_runs yet. */
export async function etlRunsColumns(warehouse: Warehouse, signal?: AbortSignal): Promise<Set<string>> {
  const rows = await warehouse.query(sqlStatement('etl/etl_runs_columns', warehouse.dialect), { signal });
  return new Set(rows.map((r) => String(r.column_name).toLowerCase()));
}

/**
 * What createSchema adds to an etl_runs an earlier release created (none to a new warehouse: its
 * CREATE TABLE has every column). Read before createSchema's locked statements: two runs starting
 * at once on a warehouse that lacks the column both add it, and the second's createSchema fails on
 * the column it finds and is retried, when this sees the column.
 */
export async function etlRunsUpgradeStatements(warehouse: Warehouse, signal?: AbortSignal): Promise<string[]> {
  const columns = await etlRunsColumns(warehouse, signal);
  return columns.size > 0 && !columns.has('report_error') ? sqlStatements('schema/etl_runs_report_error', warehouse.dialect) : [];
}
