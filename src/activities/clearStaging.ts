import { sqlStatements } from '../warehouse/sql';
import { expiredStagedEventsStatements } from '../warehouse/stagingPartitions';
import type { Dialect } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';

/** When a run must have ended for its staging rows to go: `retentionDays` before `now`, as SQL timestamp text. */
export function retentionCutoff(now: Date, retentionDays: number): string {
  return utcTimestampText(now.getTime() - retentionDays * 86_400_000);
}

/**
 * Statements that clear the staging rows of every completed or failed run that ended at least
 * `retentionDays` before `now` (sql/etl/clear_staging_expired.sql, and its staged events by
 * src/warehouse/stagingPartitions.ts). Run in the same transaction as the run record, so with 0
 * days a run's own staging goes as it is recorded completed. The record of failed runs is created
 * first, for a run whose createSchema ran under a release before it: in a transaction that holds
 * the schema lock (summarizeRun's).
 */
export function clearStagingStatements(dialect: Dialect, now: Date, retentionDays: number): string[] {
  const cutoff = retentionCutoff(now, retentionDays);
  return [
    ...sqlStatements('schema/etl_failed_runs', dialect),
    ...expiredStagedEventsStatements(dialect, cutoff),
    ...sqlStatements('etl/clear_staging_expired', dialect, { cutoff }),
  ];
}

export { recordFailedRunStatements } from '../ledger/failedRuns';
