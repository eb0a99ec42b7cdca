import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../errors';
import { sqlStatements } from '../warehouse/sql';
import { hasWriteLocking, reattachesRetriedStatements, type Warehouse } from '../warehouse/types';
import { activitySignal } from './heartbeat';

/**
 * Attempt fencing. Temporal retries an activity once its heartbeat timeout passes, but the old
 * attempt may still be alive (a paused process, a stalled network) and go on writing beside its
 * retry. Every attempt claims its step in etl_attempt_fence when it starts; the newest claim wins.
 * Its write transaction starts with the check statement, so a superseded attempt's transaction
 * fails instead of committing, and a claim made while an older attempt's transaction is open
 * waits for it (PostgreSQL row lock) or conflicts with it (DuckDB). Redshift needs none (needsFence).
 */
export interface AttemptClaim {
  runId: string;
  /** The activity within its run: type and activity id (`stageEvents#4`). */
  step: string;
  attempt: number;
}

/** The claim of the current activity attempt, or undefined outside an activity (tests, tools). */
export function currentAttempt(): AttemptClaim | undefined {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return undefined;
  }
  const { workflowExecution, activityType, activityId, attempt } = context.info;
  if (!workflowExecution) return undefined;
  return { runId: workflowExecution.runId, step: `${activityType}#${activityId}`, attempt };
}

const params = (claim: AttemptClaim) => ({ run_id: claim.runId, step: claim.step, attempt: claim.attempt });

/** Claims the step for this attempt (its own small transaction). */
export async function claimAttempt(warehouse: Warehouse, claim: AttemptClaim): Promise<void> {
  // Claims of one step queue, so two attempts claiming at once (one paused mid-claim) cannot both
  // find no row and both insert one. DuckDB has one writer per file and needs no lock.
  const lock = hasWriteLocking(warehouse) ? warehouse.keyLockStatements(`${claim.runId}|${claim.step}`) : [];
  await warehouse.execute([...lock, ...sqlStatements('etl/fence_claim', warehouse.dialect, params(claim))], { signal: activitySignal() });
}

/** The statements to put first in a write transaction: it fails unless `claim` is still the newest. */
export function fenceStatements(warehouse: Warehouse, claim: AttemptClaim): string[] {
  return sqlStatements('etl/fence_check', warehouse.dialect, params(claim));
}

/**
 * Whether the engine needs the fence: PostgreSQL (READ COMMITTED: a retry's DELETE does not see
 * rows a stale attempt has yet to commit) and DuckDB do; a warehouse that re-attaches retried
 * attempts to their statements (Redshift) does not.
 */
export function needsFence(warehouse: Warehouse): boolean {
  return !reattachesRetriedStatements(warehouse);
}

/**
 * Claims the current attempt's step and returns the check statements for its write transaction;
 * outside an activity, or on an engine that needs no fence, nothing to claim and no statements.
 */
export async function fenceCurrentAttempt(warehouse: Warehouse): Promise<string[]> {
  const claim = currentAttempt();
  if (!claim || !needsFence(warehouse)) return [];
  await claimAttempt(warehouse, claim);
  return fenceStatements(warehouse, claim);
}

const STALE = /stale attempt \d+ of \S+ fenced out by attempt \d+/;

/** Whether a warehouse error is the fence refusing a superseded attempt's commit. */
export function isFencedOut(err: unknown): boolean {
  return STALE.test(String((err as Error)?.message ?? ''));
}

/** A superseded attempt's failure, named as such (its result is discarded by Temporal anyway). */
export function fencedOutFailure(err: unknown): ApplicationFailure {
  const detail = STALE.exec(String((err as Error).message))?.[0] ?? 'stale attempt';
  return ApplicationFailure.nonRetryable(`${detail}: its writes were rolled back`, ERROR_TYPES.staleAttempt);
}

/**
 * `warehouse.appendRows` fenced like the other writes of an activity: the fence check runs first
 * in the append's transaction, so a superseded attempt's rows (a listing's file list, text
 * repairs, check results) are rolled back instead of committed, and it fails as StaleAttempt.
 * The attempt's cancellation cancels it, unless `options` bring a signal of their own.
 */
export async function fencedAppendRows(
  warehouse: Warehouse,
  table: string,
  columns: readonly string[],
  rows: Parameters<Warehouse['appendRows']>[2],
  options: Parameters<Warehouse['appendRows']>[3] = {},
): Promise<number> {
  return appendRowsBehindFence(warehouse, await fenceCurrentAttempt(warehouse), table, columns, rows, options);
}

/**
 * fencedAppendRows for a step that claimed its attempt once (fenceCurrentAttempt) and appends
 * several times behind the same `fence` statements.
 */
export async function appendRowsBehindFence(
  warehouse: Warehouse,
  fence: readonly string[],
  table: string,
  columns: readonly string[],
  rows: Parameters<Warehouse['appendRows']>[2],
  options: Parameters<Warehouse['appendRows']>[3] = {},
): Promise<number> {
  try {
    return await warehouse.appendRows(table, columns, rows, { signal: activitySignal(), ...options, before: [...fence, ...(options.before ?? [])] });
  } catch (err) {
    if (isFencedOut(err)) throw fencedOutFailure(err);
    throw err;
  }
}
