/**
 * Which runs are between their publishes. A run publishes its star tables in separate transactions,
 * its plays beside its users and times (src/etl/dag.ts), so until its last one commits the tables
 * may hold its plays without their users or times. Each run marks itself in etl_publishing_runs
 * before its first publish and unmarks itself when its check step begins; the check step of
 * another run reads the marks, to tell such a half-done publish from a broken reference.
 */
import { RETRY_INTERVAL_MAX_MS, STEP_ATTEMPTS, STEP_TIMEOUT_MS } from '../defaults';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';
import { fenceCurrentAttempt, fencedOutFailure, isFencedOut } from './fence';
import { activitySignal } from './heartbeat';

/** The longest a step of the ETL workflow can take, every attempt at its full timeout (src/workflows/etl.ts). */
const longestStepMs = (kind: keyof typeof STEP_ATTEMPTS) => STEP_ATTEMPTS[kind] * (STEP_TIMEOUT_MS[kind] + RETRY_INTERVAL_MAX_MS);

/**
 * The longest a run that is still going stays marked, about 15 days: repairText (which marks it),
 * the longest chain of publishes (loadSongs, then loadSongplays: src/etl/dag.ts) and the check step
 * (which unmarks it), each through all its attempts. A failed or cancelled run clears its own mark
 * (src/workflows/etl.ts); an older mark is a run terminated mid-publish, and no longer counts. Not
 * counted: time a step waits for a worker to take it.
 */
export const PUBLISHING_MARK_LIFETIME_MS = 2 * longestStepMs('quick') + 2 * longestStepMs('loads');

export interface PublishingRun {
  runId: string;
  /** When its publish began, UTC ('YYYY-MM-DD HH:MM:SS…'). */
  startedAt: string;
}

/** The statements that mark the run as publishing, for a transaction before its first publish. */
export function markPublishingStatements(warehouse: Warehouse, runId: string, now: Date): string[] {
  return sqlStatements('etl/mark_publishing', warehouse.dialect, { run_id: runId, started_at: utcTimestampText(now) });
}

/** Unmarks the run (its own transaction, behind the attempt's fence): its publishes have all committed. */
export async function clearPublishing(warehouse: Warehouse, runId: string): Promise<void> {
  try {
    const fence = await fenceCurrentAttempt(warehouse);
    await warehouse.execute([...fence, ...sqlStatements('etl/clear_publishing', warehouse.dialect, { run_id: runId })], { signal: activitySignal() });
  } catch (err) {
    if (isFencedOut(err)) throw fencedOutFailure(err);
    throw err;
  }
}

/** The runs other than `runId` that are marked as publishing, the earliest first; marks past their lifetime do not count. */
export async function otherPublishingRuns(warehouse: Warehouse, runId: string, now: Date = new Date()): Promise<PublishingRun[]> {
  const notBefore = utcTimestampText(now.getTime() - PUBLISHING_MARK_LIFETIME_MS);
  const rows = await warehouse.query(sqlStatement('etl/publishing_runs', warehouse.dialect, { run_id: runId, not_before: notBefore }), { signal: activitySignal() });
  return rows.map((row) => ({ runId: String(row.run_id), startedAt: String(row.started_at) }));
}
