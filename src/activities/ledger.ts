/**
 * The run's file list (etl_run_files, written by the listing step, runFileList.ts) and the load
 * ledger rows the songplays publish makes of it.
 */
import type { RecordKind } from '../etl/types';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/** The statements that record a run's files in etl_load_ledger (part of the songplays publish). */
export function recordLedgerStatements(warehouse: Warehouse, runId: string, now: Date): string[] {
  const loadedAt = now.toISOString().replace('T', ' ').replace('Z', '');
  return sqlStatements('ledger/record', warehouse.dialect, { run_id: runId, loaded_at: loadedAt });
}

/** The source keys of the run's file list (etl_run_files) of one kind. */
export async function runFileKeys(warehouse: Warehouse, runId: string, kind: RecordKind): Promise<string[]> {
  const rows = await warehouse.query(sqlStatement('etl/run_file_keys', warehouse.dialect, { run_id: runId, kind }));
  return rows.map((r) => String(r.source_key));
}
