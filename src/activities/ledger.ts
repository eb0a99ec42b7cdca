import type { RecordKind, SkippedFile } from '../etl/types';
import { EVENT_LOG_ROOT, SONG_DATA_ROOT, type SourceObject } from '../source';
import { fencedAppendRows } from './fence';
import { schemaLockStatements } from './publishLock';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/** Which part of the source a key is in, as etl_skipped_files.kind says it. */
function keyKind(key: string): string {
  if (key.startsWith(EVENT_LOG_ROOT)) return 'events';
  if (key.startsWith(SONG_DATA_ROOT)) return 'songs';
  return 'other';
}

/**
 * Records a run's listing: the files it loads (etl_run_files, which the publish turns into ledger
 * rows) and the files it skips with their reasons (etl_skipped_files). Each write replaces the
 * run's earlier one, so a retried listing leaves one copy.
 */
export async function recordRunFiles(
  warehouse: Warehouse,
  runId: string,
  files: { events: SourceObject[]; songs: SourceObject[]; skipped: SkippedFile[] },
): Promise<void> {
  const rows = [
    ...files.events.map((o) => [runId, 'events', o.key, o.etag, o.size] as const),
    ...files.songs.map((o) => [runId, 'songs', o.key, o.etag, o.size] as const),
  ];
  await fencedAppendRows(warehouse, 'etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], rows, {
    deleteFirst: sqlStatement('etl/list_forget_run_files', warehouse.dialect, { run_id: runId }),
  });
  await warehouse.execute([...schemaLockStatements(warehouse), ...sqlStatements('ledger/skipped_files_table', warehouse.dialect)]);
  await fencedAppendRows(
    warehouse,
    'etl_skipped_files',
    ['run_id', 'kind', 'source_key', 'etag', 'size', 'reason'],
    files.skipped.map((f) => [runId, keyKind(f.sourceKey), f.sourceKey, f.etag, f.size, f.reason]),
    { deleteFirst: sqlStatement('ledger/forget_skipped_files', warehouse.dialect, { run_id: runId }) },
  );
}

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
