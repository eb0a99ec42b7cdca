import { sqlStatements } from '../warehouse/sql';
import type { Dialect } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';

/**
 * Statements that clear the staging rows of every completed run that finished at least
 * `retentionDays` before `now` (sql/etl/clear_staging_expired.sql). Run in the same transaction
 * as the run record, so with 0 days a run's own staging goes as it is recorded completed.
 */
export function clearStagingStatements(dialect: Dialect, now: Date, retentionDays: number): string[] {
  return sqlStatements('etl/clear_staging_expired', dialect, { cutoff: utcTimestampText(now.getTime() - retentionDays * 86_400_000) });
}
