/**
 * `sparkify runs cleanup --abandon RUN_ID`: an operator states that a run with no recorded outcome
 * is gone, typically one Temporal does not know (src/ledger/unknownRuns.ts), which no run records by
 * itself. It is then recorded failed as the runs Temporal reports closed are
 * (src/ledger/abandonedRuns.ts): in etl_failed_runs as of now, its publishing mark cleared, its
 * staging rows going with the retention, and in etl_abandoned_runs with the operator's reason.
 * Refused, with nothing written, when the run already has an outcome, when the warehouse lists no
 * such run, when Temporal reports it running (or knows it otherwise), or does not answer.
 */
import type { Client } from '@temporalio/client';
import { sqlStatement } from '../warehouse/sql';
import { hasWriteLocking, type Warehouse } from '../warehouse/types';
import { timestampTextToIso } from '../warehouse/values';
import { abandonedRunStatements, askTemporal, unrecordedRuns, type FoundRuns } from './abandonedRuns';

/** etl_abandoned_runs.status of a run Temporal did not know, stated gone by an operator. */
export const ABANDONED_BY_OPERATOR = 'abandoned';

/** etl_abandoned_runs.found_by of a run an operator stated gone. */
export const FOUND_BY_OPERATOR = 'sparkify runs cleanup --abandon';

export interface AbandonedByOperator {
  runId: string;
  /** Temporal's, when it knows the run; '' when it does not. */
  workflowId: string;
  /** Temporal's status when it knows the run closed ('terminated', …), else ABANDONED_BY_OPERATOR. */
  status: string;
  /** When Temporal closed it; null when it does not know the run. */
  closedAt: Date | null;
  reason: string | null;
}

/** Why `runId` of `warehouse` cannot be abandoned by what the warehouse says, or nothing. */
async function warehouseRefusal(warehouse: Warehouse, runId: string): Promise<string | undefined> {
  const [outcome] = await warehouse.query(sqlStatement('cli/run_outcome', warehouse.dialect, { run_id: runId }));
  if (outcome) {
    const at = outcome.recorded_at === null ? '' : ` at ${timestampTextToIso(String(outcome.recorded_at))}`;
    return `run ${runId} already has an outcome (${String(outcome.status)}${at}, in ${String(outcome.recorded_in)}): there is nothing to abandon`;
  }
  if (!(await unrecordedRuns(warehouse, '')).includes(runId)) {
    return `${warehouse.description} lists no run ${runId} (no file list, no publishing mark): check the run id; \`sparkify runs cleanup\` names the runs with no recorded outcome`;
  }
  return undefined;
}

/** Why Temporal's view of `runId` forbids abandoning it, or nothing. */
function temporalRefusal(found: FoundRuns, runId: string): string | undefined {
  if (found.running.includes(runId)) {
    return `Temporal reports run ${runId} running: it is left as it is. Cancel or terminate its workflow if it must stop; the next run (or \`sparkify runs cleanup\`) then records it`;
  }
  if (!found.unknown.includes(runId) && !found.abandoned.some((r) => r.runId === runId)) {
    const status = found.statuses?.get(runId);
    const reported = status ? `reports it ${status}, neither running nor closed without its record` : 'reports it neither running nor closed without its record';
    return `Temporal knows run ${runId} but ${reported} (\`temporal workflow list --query "RunId = '${runId}'"\` shows it): it is left as it is`;
  }
  return undefined;
}

/** Records `runId` of `warehouse` failed as an operator stated it, or throws saying why not (nothing written). */
export async function abandonRun(options: { warehouse: Warehouse; client: Client; runId: string; reason: string | null; now?: Date }): Promise<AbandonedByOperator> {
  const { warehouse, client, runId, reason } = options;
  const refused = await warehouseRefusal(warehouse, runId);
  if (refused) throw new Error(`${refused}. Nothing was recorded.`);
  let found: FoundRuns;
  try {
    found = await askTemporal(client, [runId]);
  } catch (err) {
    throw new Error(
      `Temporal did not say whether run ${runId} is still going (${(err as Error).message.split('\n')[0]}): nothing was recorded. Check --temporal and the connection flags (sparkify doctor checks them), then run this again.`,
      { cause: err },
    );
  }
  const temporalRefused = temporalRefusal(found, runId);
  if (temporalRefused) throw new Error(`${temporalRefused}. Nothing was recorded.`);
  const closed = found.abandoned.find((r) => r.runId === runId);
  const run = closed ?? { runId, workflowId: '', status: ABANDONED_BY_OPERATOR, closedAt: null };
  const now = options.now ?? new Date();
  // Under the schema lock, as the runs Temporal reports closed: the statements create tables.
  const schemaLock = hasWriteLocking(warehouse) ? warehouse.schemaLockStatements() : [];
  await warehouse.execute([...schemaLock, ...abandonedRunStatements(warehouse, run, FOUND_BY_OPERATOR, now, reason)]);
  return { ...run, reason };
}
