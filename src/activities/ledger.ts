/**
 * The run's file list (etl_run_files, written by the listing step, runFileList.ts) and the load
 * ledger rows the songplays publish makes of it.
 */
import type { RecordKind } from '../etl/types';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { StatementOptions, Warehouse } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';
import { engineSqlName } from '../warehouse/engineTraits';
import type { ListedKeys } from '../staging/listedKeys';

/** The statements that record a run's files in etl_load_ledger (part of the songplays publish). */
export function recordLedgerStatements(warehouse: Warehouse, runId: string, now: Date): string[] {
  return sqlStatements(engineSqlName('ledger/record', warehouse.dialect), warehouse.dialect, { run_id: runId, loaded_at: utcTimestampText(now) });
}

/**
 * The run's file list (etl_run_files) of one kind: its count now, its keys in key order as they
 * are read. They come a chunk at a time (Warehouse.queryChunks), so staging holds one chunk of them,
 * not the list: read whole, a first run over a million song files took 330 MiB of heap and 560 MiB
 * of resident memory on DuckDB (147 and 252 MiB on PostgreSQL) on their way to the 61 MiB the keys
 * themselves hold, and staging then kept those (docs/performance-log.md).
 */
export async function listedKeys(warehouse: Warehouse, runId: string, kind: RecordKind, options?: StatementOptions): Promise<ListedKeys & { bytes: number }> {
  const [totals] = await warehouse.query(sqlStatement('etl/run_file_totals', warehouse.dialect, { run_id: runId, kind }), options);
  const sql = sqlStatement('etl/run_file_keys', warehouse.dialect, { run_id: runId, kind });
  return {
    count: Number(totals.files),
    bytes: Number(totals.bytes),
    async *read() {
      for await (const chunk of warehouse.queryChunks(sql, options)) for (const row of chunk) yield String(row.source_key);
    },
  };
}
