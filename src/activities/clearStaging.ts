import { ConfigError } from '../config';
import { sqlStatements } from '../warehouse/sql';
import type { Dialect } from '../warehouse/types';

/** Days a completed run's staging rows are kept (for inspection) before a later run clears them. */
export const DEFAULT_STAGING_RETENTION_DAYS = 7;

/** SPARKIFY_STAGING_RETENTION_DAYS (a whole number of days; 0 clears a run's staging as it completes). */
export function stagingRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SPARKIFY_STAGING_RETENTION_DAYS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_STAGING_RETENTION_DAYS;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`SPARKIFY_STAGING_RETENTION_DAYS must be a whole number of days, got "${raw}"`);
  return Number(raw.trim());
}

/**
 * Statements that clear the staging rows of every completed run that finished at least
 * `retentionDays` before `now` (sql/etl/clear_staging_expired.sql). Run in the same transaction
 * as the run record, so with 0 days a run's own staging goes as it is recorded completed.
 */
export function clearStagingStatements(dialect: Dialect, now: Date, retentionDays: number): string[] {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString().replace('T', ' ').replace('Z', '');
  return sqlStatements('etl/clear_staging_expired', dialect, { cutoff });
}
