/**
 * `sparkify doctor`: the warehouse's runs that closed without recording their outcome (terminated,
 * timed out), as Temporal reports them (src/ledger/abandonedRuns.ts), and those it does not know,
 * which an operator records (`sparkify runs cleanup --abandon`). Read only: the next run, or
 * `sparkify runs cleanup`, records them.
 */
import { Client } from '@temporalio/client';
import { askTemporal, runTablesPresent, unrecordedRuns, type FoundRuns } from '../ledger/abandonedRuns';
import { describeUnknownRun, readUnknownRuns, type UnknownRun } from '../ledger/unknownRuns';
import { connectClient, type TemporalTarget } from '../temporal/connection';
import { tablesPresent } from '../warehouse/catalog';
import type { Warehouse } from '../warehouse/types';
import { ok, unchecked, warning, type CheckResult } from './types';

const ID = 'warehouse.abandonedRuns';
const TITLE = 'runs closed without a record';

export async function checkAbandonedRuns(warehouse: Warehouse, name: string, target: TemporalTarget): Promise<CheckResult> {
  // Read only: without the record of failed runs (an earlier release), there is nothing to ask.
  const present = await runTablesPresent(warehouse);
  if (!present.runs || !present.failedRuns) return ok(ID, TITLE, `${name} has no run recorded by this release yet`);
  const candidates = await unrecordedRuns(warehouse, '');
  if (candidates.length === 0) return ok(ID, TITLE, 'every run listed in the warehouse has recorded its outcome');
  let found;
  try {
    const connection = await connectClient(target);
    try {
      found = await askTemporal(new Client({ connection, namespace: target.namespace }), candidates);
    } finally {
      await connection.close();
    }
  } catch (err) {
    return unchecked(ID, TITLE, `${candidates.length} run(s) have no recorded outcome, and Temporal did not say whether they are going: ${(err as Error).message.split('\n')[0]}`, 'check the Temporal settings (above), then run `sparkify doctor` again');
  }
  const kept = found.unknown.length > 0 ? await unknownRunsKept(warehouse, found.unknown) : [];
  return abandonedRunsResult(found, kept, name, target.address);
}

/**
 * The check's result from what Temporal said (`found`) and what the runs counted of those it does
 * not know (`kept`): both kinds named, each with its command, the closed ones first (the plain
 * cleanup, which the next run also does).
 */
export function abandonedRunsResult(found: FoundRuns, kept: readonly UnknownRun[], name: string, temporalAddress: string): CheckResult {
  const details: string[] = [];
  const fixes: string[] = [];
  if (found.abandoned.length > 0) {
    const runs = found.abandoned.map((r) => `${r.runId} (workflow ${r.workflowId}, ${r.status} at ${r.closedAt.toISOString()})`).join(', ');
    details.push(`${found.abandoned.length} run(s) closed without recording their outcome: ${runs}; their publishing marks and staging rows stay until recorded`);
    fixes.push(`sparkify runs cleanup --temporal ${temporalAddress} --warehouse ${name} (or let the next run do it)`);
  }
  if (found.unknown.length > 0) {
    details.push(
      `${found.unknown.length} run(s) with no recorded outcome that Temporal does not know (closed longer ago than the namespace's retention, or of another namespace): ${found.unknown.map((id) => describeUnknownRun(id, kept)).join(', ')}`,
    );
    const runId = found.unknown.length === 1 ? found.unknown[0] : 'RUN_ID';
    fixes.push(`once you know one is gone: sparkify runs cleanup --temporal ${temporalAddress} --warehouse ${name} --abandon ${runId} --reason '…'`);
  }
  if (details.length === 0) return ok(ID, TITLE, `none; ${found.running.length} run(s) going`);
  details.push(`sparkify runs list --temporal ${temporalAddress} --warehouse ${name} lists them beside the latest recorded runs, writing nothing`);
  return warning(ID, TITLE, details.join('; '), fixes.join('; and for the runs Temporal does not know, '));
}

/** What the runs have counted of `runIds` (etl_unknown_runs): none on a warehouse no run of this release has loaded. */
async function unknownRunsKept(warehouse: Warehouse, runIds: string[]): Promise<UnknownRun[]> {
  return (await tablesPresent(warehouse, ['etl_unknown_runs'])).has('etl_unknown_runs') ? readUnknownRuns(warehouse, runIds) : [];
}
