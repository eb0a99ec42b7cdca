import type { RecordKind } from '../etl/types';
import { engineTraits } from '../warehouse/engineTraits';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import { MAX_RAW_KEPT } from './stagedResult';
import type { Dialect, Warehouse } from '../warehouse/types';

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

/** Drops the run's earlier per-file counts of a kind (sql/staging/clear_file_counts.sql). */
export function clearFileCountsStatement(dialect: Dialect, runId: string, kind: RecordKind): string {
  return sqlStatement('staging/clear_file_counts', dialect, { run_id: runId, kind });
}

/** Before a kind is staged again, in the staging transaction: the staged rows and the rejects above. */
export function clearStagingStatements(dialect: Dialect, runId: string, kind: RecordKind): string[] {
  return [clearStagedStatement(dialect, runId, kind), clearRejectedStatement(dialect, runId, kind)];
}

/**
 * clearStagingStatements for `warehouse`: where staging_events has a partition per run, the
 * staging-delete rule for event logs names the runs whose rows it can delete, listed by a query
 * first (sql/staging/postgres/clear_staged_in_runs.sql says why), so it reads their partitions
 * only. staging_songs is one table, found by its index on run_id.
 */
export async function clearStagingStatementsOn(warehouse: Warehouse, runId: string, kind: RecordKind, signal?: AbortSignal): Promise<string[]> {
  const d = warehouse.dialect;
  if (kind !== 'events' || !engineTraits(d).partitionsStagingByRun) return clearStagingStatements(d, runId, kind);
  const listed = await warehouse.query(sqlStatement('staging/postgres/runs_listing_same_event_logs', d, { run_id: runId }), { signal });
  const runs = [runId, ...listed.map((r) => String(r.run_id))];
  return [sqlStatement('staging/postgres/clear_staged_in_runs', d, { run_id: runId, runs }), clearRejectedStatement(d, runId, kind)];
}

/**
 * The raw-line path's statements (sql/staging/<dialect>/): for each chunk of etl_raw_lines, parse,
 * check and stage it; after the last, analyze and drop the work tables.
 */
export function rawLineStatements(dialect: Dialect, runId: string, kind: RecordKind): { eachChunk: string[]; after: string[] } {
  const params = { run_id: runId, raw_cap: MAX_RAW_KEPT };
  return {
    eachChunk: [
      ...sqlStatements(`staging/${dialect}/extract_${kind}`, dialect, { lines: 'etl_raw_lines' }),
      ...sqlStatements(`staging/${dialect}/check_${kind}`, dialect),
      ...sqlStatements(`staging/${dialect}/checked_table`, dialect),
      ...sqlStatements(`staging/${dialect}/insert_${kind}`, dialect, { ...params, checked: 'etl_stage_checked' }),
      ...sqlStatements(`staging/${dialect}/next_chunk`, dialect),
    ],
    after: [...sqlStatements(`staging/analyze_${kind}`, dialect), ...sqlStatements(`staging/${dialect}/drop_work_tables`, dialect)],
  };
}
