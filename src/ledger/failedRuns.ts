import { sqlStatements } from '../warehouse/sql';
import type { Dialect } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';

/**
 * Statements that record the run as failed at `now` (its staging rows then go with the retention)
 * and remove its publishing mark (src/activities/publishingRuns.ts), in a transaction that holds
 * the schema lock.
 */
export function recordFailedRunStatements(dialect: Dialect, runId: string, now: Date): string[] {
  return [
    ...sqlStatements('schema/etl_failed_runs', dialect),
    ...sqlStatements('etl/record_failed_run', dialect, { run_id: runId, failed_at: utcTimestampText(now) }),
    ...sqlStatements('etl/clear_publishing', dialect, { run_id: runId }),
  ];
}
