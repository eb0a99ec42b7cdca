/**
 * The column of etl_abandoned_runs a later release added (reason, an operator's: `sparkify runs
 * cleanup --abandon`): createSchema and `sparkify runs cleanup` add it to the etl_abandoned_runs of
 * an earlier release, as etlRunsColumns.ts does for etl_runs.
 */
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/**
 * What adds reason to an etl_abandoned_runs an earlier release created (none to a new warehouse,
 * or one without the table: its CREATE TABLE has every column). Read before the locked statements
 * that run it: two runs starting at once both add it, and the second's fails and is retried, when
 * this sees the column.
 */
export async function abandonedRunsUpgradeStatements(warehouse: Warehouse, signal?: AbortSignal): Promise<string[]> {
  const rows = await warehouse.query(sqlStatement('etl/abandoned_runs_columns', warehouse.dialect), { signal });
  const columns = new Set(rows.map((r) => String(r.column_name).toLowerCase()));
  return columns.size > 0 && !columns.has('reason') ? sqlStatements('schema/etl_abandoned_runs_reason', warehouse.dialect) : [];
}
