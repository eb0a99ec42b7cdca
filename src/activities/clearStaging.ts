import { sqlStatements } from '../warehouse/sql';
import type { Dialect } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';

/**
 * Statements that clear the staging rows of every completed or failed run that ended at least
 * `retentionDays` before `now` (sql/etl/clear_staging_expired.sql). Run in the same transaction
 * as the run record, so with 0 days a run's own staging goes as it is recorded completed. The
 * record of failed runs is created first, for a run whose createSchema ran under a release before
 * it: in a transaction that holds the schema lock (summarizeRun's).
 */
export function clearStagingStatements(dialect: Dialect, now: Date, retentionDays: number): string[] {
  return [
    ...sqlStatements('schema/etl_failed_runs', dialect),
    ...sqlStatements('etl/clear_staging_expired', dialect, { cutoff: utcTimestampText(now.getTime() - retentionDays * 86_400_000) }),
  ];
}

export { recordFailedRunStatements } from '../ledger/failedRuns';
