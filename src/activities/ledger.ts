/**
 * The run's file list (etl_run_files, written by the listing step, runFileList.ts) and the load
 * ledger rows the songplays publish makes of it.
 */
import type { RecordKind } from '../etl/types';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { hasStreamingQuery } from '../warehouse/streamingQuery';

/** The statements that record a run's files in etl_load_ledger (part of the songplays publish). */
export function recordLedgerStatements(warehouse: Warehouse, runId: string, now: Date): string[] {
  const loadedAt = now.toISOString().replace('T', ' ').replace('Z', '');
  return sqlStatements('ledger/record', warehouse.dialect, { run_id: runId, loaded_at: loadedAt });
}

/**
 * The source keys of the run's file list (etl_run_files) of one kind. Where the warehouse streams
 * a result (DuckDB, PostgreSQL) the keys are read a chunk at a time: read whole, the rows of a
 * first run over a million song files took 330 MiB of heap and 560 MiB of resident memory on DuckDB
 * (147 and 252 MiB on PostgreSQL) on their way to the 61 MiB the keys themselves hold
 * (docs/performance-log.md).
 */
export async function runFileKeys(warehouse: Warehouse, runId: string, kind: RecordKind): Promise<string[]> {
  const sql = sqlStatement('etl/run_file_keys', warehouse.dialect, { run_id: runId, kind });
  if (!hasStreamingQuery(warehouse)) return (await warehouse.query(sql)).map((r) => String(r.source_key));
  const keys: string[] = [];
  for await (const chunk of warehouse.queryChunks(sql)) for (const row of chunk) keys.push(String(row.source_key));
  return keys;
}
