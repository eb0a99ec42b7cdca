/**
 * Runs whose workflow closed without recording its outcome: terminated (`temporal workflow
 * terminate` runs no workflow code), timed out, or failed or cancelled without their record
 * (recordFailedRun in src/workflows/etl.ts could not write it). Such a run writes nothing more, but
 * nothing said so: its publishing mark counted for days (src/activities/publishingRuns.ts) and its
 * staging rows stayed until deleted by hand. Each run's createSchema, and `sparkify runs cleanup`,
 * ask Temporal about the runs that have a file list or a mark and no recorded outcome, and record
 * those it reports closed as failed, as of their close (their mark goes now, their staging rows
 * with the retention: sql/etl/clear_staging_expired.sql), and in etl_abandoned_runs with Temporal's
 * status. A run Temporal reports running (or retrying a step) is never touched, nor one it does not
 * know: a run closed longer ago than the namespace's retention, or one of another namespace; that
 * one is counted in etl_unknown_runs (src/ledger/unknownRuns.ts).
 */
import type { Client, WorkflowExecutionStatusName } from '@temporalio/client';
import type { Logger } from '../log';
import { tablesPresent } from '../warehouse/catalog';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import { utcTimestampText } from '../warehouse/values';
import { hasWriteLocking, type Warehouse } from '../warehouse/types';
import { recordFailedRunStatements } from './failedRuns';
import { recordUnknownRuns, type UnknownRun } from './unknownRuns';

/** The statuses of a closed run that did not complete: its outcome was never recorded by itself. */
const ABANDONED_STATUSES: readonly WorkflowExecutionStatusName[] = ['TERMINATED', 'TIMED_OUT', 'FAILED', 'CANCELLED'];

/** How long the questions to Temporal may take in all: an unreachable server leaves the runs as they are. */
export const TEMPORAL_QUESTION_MS = 10_000;

/** Run ids asked about in one visibility query. */
const RUN_IDS_PER_QUERY = 50;

/** Temporal's run ids are UUIDs; an id that could not be put in a list query as it is is not asked about. */
const PLAIN_RUN_ID = /^[A-Za-z0-9._:-]+$/;

export interface AbandonedRun {
  runId: string;
  workflowId: string;
  /** Temporal's status, lower case with spaces: 'terminated', 'timed out', 'failed', 'cancelled'. */
  status: string;
  /** When the workflow closed, UTC. */
  closedAt: Date;
}

export interface AbandonedRunsOutcome {
  /** The runs recorded failed now. */
  recorded: AbandonedRun[];
  /** Runs with no recorded outcome that Temporal reports running. */
  running: string[];
  /** Runs with no recorded outcome that Temporal does not know (past its retention, another namespace). */
  unknown: string[];
  /** What etl_unknown_runs keeps of `unknown`: since when, how many times. */
  unknownFound?: UnknownRun[];
  /** Why Temporal was not asked, or could not answer: nothing was recorded. */
  notAsked?: string;
}

/**
 * The tables sql/etl/unrecorded_runs.sql reads, in two parts on purpose. A warehouse without one of
 * RUN_TABLES holds no run of this release to ask about. FAILED_RUNS_TABLE came with a later release:
 * `sparkify runs cleanup` creates it where it is missing (no run has been recorded failed there),
 * while doctor, read only, cannot, and has nothing to check.
 */
export const RUN_TABLES: readonly string[] = ['etl_runs', 'etl_run_files', 'etl_publishing_runs'];
export const FAILED_RUNS_TABLE = 'etl_failed_runs';

/** Whether `warehouse` has every one of RUN_TABLES, and FAILED_RUNS_TABLE. */
export async function runTablesPresent(warehouse: Warehouse, signal?: AbortSignal): Promise<{ runs: boolean; failedRuns: boolean }> {
  const present = await tablesPresent(warehouse, [...RUN_TABLES, FAILED_RUNS_TABLE], signal);
  return { runs: RUN_TABLES.every((t) => present.has(t)), failedRuns: present.has(FAILED_RUNS_TABLE) };
}

/** The runs other than `exceptRunId` with a file list or a publishing mark and no recorded outcome. */
export async function unrecordedRuns(warehouse: Warehouse, exceptRunId: string, signal?: AbortSignal): Promise<string[]> {
  const rows = await warehouse.query(sqlStatement('etl/unrecorded_runs', warehouse.dialect, { run_id: exceptRunId }), { signal });
  return rows.map((row) => String(row.run_id));
}

/** A workflow status as people read it: TIMED_OUT is 'timed out'. */
function statusText(name: string): string {
  return name.toLowerCase().replace(/_/g, ' ');
}

/** Temporal's view of each of `runIds` it knows: its workflow id (from visibility), then its status (described). */
async function closedRuns(client: Client, runIds: readonly string[]): Promise<{ abandoned: AbandonedRun[]; running: string[]; known: Map<string, string> }> {
  const abandoned: AbandonedRun[] = [];
  const running: string[] = [];
  const known = new Map<string, string>();
  const askable = runIds.filter((id) => PLAIN_RUN_ID.test(id));
  for (let i = 0; i < askable.length; i += RUN_IDS_PER_QUERY) {
    const ids = askable.slice(i, i + RUN_IDS_PER_QUERY);
    const query = `RunId IN (${ids.map((id) => `'${id}'`).join(', ')})`;
    for await (const listed of client.workflow.list({ query })) {
      // Visibility lags the server: the status is read from the execution itself.
      const described = await client.workflow.getHandle(listed.workflowId, listed.runId).describe();
      known.set(listed.runId, statusText(described.status.name));
      if (ABANDONED_STATUSES.includes(described.status.name) && described.closeTime) {
        abandoned.push({ runId: listed.runId, workflowId: listed.workflowId, status: statusText(described.status.name), closedAt: described.closeTime });
      } else if (described.status.name === 'RUNNING') {
        running.push(listed.runId);
      }
    }
  }
  return { abandoned, running, known };
}

/**
 * Records the run failed as of its close (unknown, `closedAt` null: as of `now`), clears its
 * publishing mark, and says what Temporal reported, or the operator who stated it gone (`reason`).
 */
export function abandonedRunStatements(
  warehouse: Warehouse,
  run: Omit<AbandonedRun, 'closedAt'> & { closedAt: Date | null },
  foundBy: string,
  now: Date,
  reason: string | null = null,
): string[] {
  const d = warehouse.dialect;
  return [
    ...recordFailedRunStatements(d, run.runId, run.closedAt ?? now),
    ...sqlStatements('schema/etl_abandoned_runs', d),
    ...sqlStatements('schema/etl_unknown_runs', d),
    ...sqlStatements('etl/record_abandoned_run', d, {
      run_id: run.runId,
      workflow_id: run.workflowId,
      status: run.status,
      closed_at: run.closedAt && utcTimestampText(run.closedAt),
      found_at: utcTimestampText(now),
      found_by: foundBy,
      reason,
    }),
  ];
}

/** What Temporal says of the runs of a warehouse with no recorded outcome. */
export interface FoundRuns {
  /** Closed without recording their outcome. */
  abandoned: AbandonedRun[];
  /** Reported running. */
  running: string[];
  /** Not known to Temporal (past its retention, another namespace). */
  unknown: string[];
  /** Each known run's status as Temporal reported it ('running', 'completed', 'timed out', …). */
  statuses?: ReadonlyMap<string, string>;
}

/**
 * What `client` reports of `runIds` (runs with no recorded outcome: unrecordedRuns). Throws when
 * Temporal does not answer within TEMPORAL_QUESTION_MS.
 */
export async function askTemporal(client: Client, runIds: readonly string[]): Promise<FoundRuns> {
  if (runIds.length === 0) return { abandoned: [], running: [], unknown: [] };
  const asked = await client.withDeadline(Date.now() + TEMPORAL_QUESTION_MS, () => closedRuns(client, runIds));
  return { abandoned: asked.abandoned, running: asked.running, unknown: runIds.filter((id) => !asked.known.has(id)), statuses: asked.known };
}

/**
 * Finds the runs of `warehouse` other than `foundBy`'s that closed without recording their outcome,
 * asking `client` (none: nothing is asked or recorded), and records them (abandonedRunStatements).
 * Temporal unreachable, or not answering within TEMPORAL_QUESTION_MS: nothing is recorded, and the
 * outcome says why.
 */
export async function recordAbandonedRuns(options: {
  warehouse: Warehouse;
  client: Client | undefined;
  foundBy: string;
  log: Logger;
  signal?: AbortSignal;
  now?: () => Date;
}): Promise<AbandonedRunsOutcome> {
  const { warehouse, client, foundBy, log, signal } = options;
  const outcome: AbandonedRunsOutcome = { recorded: [], running: [], unknown: [] };
  if (!client) return { ...outcome, notAsked: 'no Temporal client here' };
  const candidates = await unrecordedRuns(warehouse, foundBy, signal);
  if (candidates.length === 0) return outcome;
  let found: FoundRuns;
  try {
    found = await askTemporal(client, candidates);
  } catch (err) {
    outcome.notAsked = `Temporal did not answer: ${(err as Error).message}`;
    log.warn(
      { runs: candidates.length, error: (err as Error).message },
      'could not ask Temporal whether the runs with no recorded outcome are still going: they are left as they are, and the next run asks again',
    );
    return outcome;
  }
  outcome.running = found.running;
  outcome.unknown = found.unknown;
  for (const run of found.abandoned) {
    const now = options.now?.() ?? new Date();
    // Under the schema lock, as recordFailedRun (src/activities/publishLock.ts): the statements create tables.
    const schemaLock = hasWriteLocking(warehouse) ? warehouse.schemaLockStatements() : [];
    await warehouse.execute([...schemaLock, ...abandonedRunStatements(warehouse, run, foundBy, now)], { signal });
    outcome.recorded.push(run);
    log.warn(
      { runId: run.runId, workflowId: run.workflowId, status: run.status, closedAt: run.closedAt.toISOString() },
      `run ${run.runId} (workflow ${run.workflowId}) was ${run.status} without recording its outcome: recorded failed, its publishing mark cleared, its staging rows go with the retention`,
    );
  }
  if (outcome.unknown.length > 0) {
    const counted = await recordUnknownRuns(warehouse, outcome.unknown, foundBy, options.now?.() ?? new Date(), signal);
    outcome.unknownFound = counted.runs;
    // Logged by the run that finds it first; the later ones count it (etl_unknown_runs), and doctor shows it.
    for (const run of counted.foundFirst) {
      log.info(
        { runId: run.runId },
        `run ${run.runId} has no recorded outcome and Temporal does not know it (closed longer ago than the namespace's retention, run on another server or namespace, or an embedded run killed): left as it is, and not logged again. Once you know it is gone: sparkify runs cleanup --abandon ${run.runId} --reason '…' (with this worker's --temporal and --warehouse)`,
      );
    }
    const again = counted.runs.filter((r) => !counted.foundFirst.includes(r));
    if (again.length > 0) log.debug({ runs: again.map((r) => ({ runId: r.runId, timesFound: r.timesFound })) }, 'runs Temporal does not know, found again');
  }
  return outcome;
}
