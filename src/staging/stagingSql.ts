import type { RecordKind } from '../etl/types';
import { sqlStatement } from '../warehouse/sql';
import type { Dialect } from '../warehouse/types';

/** Each kind's staging table (fixed names). */
export const STAGING_TABLE: Record<RecordKind, 'staging_events' | 'staging_songs'> = {
  events: 'staging_events',
  songs: 'staging_songs',
};

/** The staging-delete rule for a run and kind (sql/staging/clear_staged.sql). */
export function clearStagedStatement(dialect: Dialect, runId: string, kind: RecordKind): string {
  return sqlStatement('staging/clear_staged', dialect, { table: STAGING_TABLE[kind], run_id: runId, kind });
}

/** Drops the run's earlier rejects of a kind (sql/staging/clear_rejected.sql). */
export function clearRejectedStatement(dialect: Dialect, runId: string, kind: RecordKind): string {
  return sqlStatement('staging/clear_rejected', dialect, { run_id: runId, kind });
}

/** Before a kind is staged again, in the staging transaction: both of the above. */
export function clearStagingStatements(dialect: Dialect, runId: string, kind: RecordKind): string[] {
  return [clearStagedStatement(dialect, runId, kind), clearRejectedStatement(dialect, runId, kind)];
}
