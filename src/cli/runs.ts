/**
 * `sparkify runs cleanup`: what each run does as it starts (src/ledger/abandonedRuns.ts), on
 * demand, saying what it did: the runs with no recorded outcome whose workflow Temporal reports
 * terminated, timed out, failed or cancelled are recorded failed, their publishing marks cleared.
 * `--abandon RUN_ID`: an operator states that one such run is gone, typically one Temporal does not
 * know (src/ledger/abandonRun.ts), and it is recorded failed the same way.
 */
import { Option, type Command } from 'commander';
import { ConfigError, parseWarehouseUri } from '../config';
import { abandonRun, type AbandonedByOperator } from '../ledger/abandonRun';
import { addedColumnStatements } from '../ledger/addedColumns';
import { FAILED_RUNS_TABLE, recordAbandonedRuns, runTablesPresent, type AbandonedRunsOutcome } from '../ledger/abandonedRuns';
import { describeUnknownRun } from '../ledger/unknownRuns';
import { silentLogger } from '../log';
import { addConnectionOptions } from '../temporal/connection';
import { openWarehouse } from '../warehouse';
import { sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { print, temporalAddressOption, withClient, type CliContext } from './common';
import { registerRunsListCommand } from './runsList';
import { checkLocations, connectionFlagsOf, settingName } from './settingNames';

/** The name a cleanup by this command leaves in etl_abandoned_runs.found_by. */
export const FOUND_BY_CLI = 'sparkify runs cleanup';

export function registerRunsCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description("The warehouse's runs as Temporal sees them");
  registerRunsListCommand(runs, ctx);
  addConnectionOptions(runs.command('cleanup'))
    .description('Record as failed the runs whose workflow was terminated or timed out without recording its outcome (each run does this as it starts); with --abandon, the one run you state is gone that Temporal does not know')
    .addOption(new Option('--warehouse <uri>', 'duckdb:PATH | postgres://… | redshift-data://…').env('SPARKIFY_WAREHOUSE'))
    .addOption(temporalAddressOption())
    .option('--abandon <run-id>', "record this run failed, as you state it is gone: for a run Temporal does not know (past the namespace's retention, another server, an embedded run killed); refused while Temporal reports it running")
    .option('--reason <text>', 'with --abandon: why you know the run is gone, kept in etl_abandoned_runs.reason')
    .option('--json', 'print what was done as one JSON object')
    .action(async (flags, command: Command) => {
      if (!flags.warehouse) throw new ConfigError('--warehouse is required (or set SPARKIFY_WAREHOUSE)');
      if (flags.reason !== undefined && flags.abandon === undefined) throw new ConfigError('--reason goes with --abandon RUN_ID: give the run you state is gone');
      checkLocations(command);
      const config = parseWarehouseUri(flags.warehouse, settingName(command, 'warehouse'));
      await withClient(ctx, connectionFlagsOf(flags, command), async (client) => {
        const warehouse = await openWarehouse(config);
        try {
          if (flags.abandon !== undefined) {
            if (!(await hasRunTables(warehouse))) throw new Error(`${warehouse.description} has no run of this release: there is no run ${flags.abandon} to abandon. Nothing was recorded.`);
            const run = await abandonRun({ warehouse, client, runId: flags.abandon, reason: flags.reason ?? null });
            print(flags.json ? JSON.stringify({ abandoned: run }) : describeAbandoned(run));
            return;
          }
          // What the worker would log, this command prints.
          const outcome = (await hasRunTables(warehouse)) ? await recordAbandonedRuns({ warehouse, client, foundBy: FOUND_BY_CLI, log: silentLogger }) : nothingFound();
          if (outcome.notAsked) throw new Error(`${outcome.notAsked}: nothing was recorded. Check --temporal and the connection flags (sparkify doctor checks them), then run this again.`);
          print(flags.json ? JSON.stringify(outcome) : describeOutcome(outcome, warehouse.description));
        } finally {
          await warehouse.close();
        }
      });
    });
}

const nothingFound = (): AbandonedRunsOutcome => ({ recorded: [], running: [], unknown: [] });

/** Whether `warehouse` holds runs of this release; the tables a cleanup writes that it lacks are added. */
async function hasRunTables(warehouse: Warehouse): Promise<boolean> {
  const present = await runTablesPresent(warehouse);
  if (!present.runs) return false;
  // A warehouse a release before the record of failed runs loaded has none yet, or no reason column.
  const missing = [...(present.failedRuns ? [] : sqlStatements(`schema/${FAILED_RUNS_TABLE}`, warehouse.dialect)), ...(await addedColumnStatements(warehouse, ['etl_abandoned_runs']))];
  if (missing.length > 0) await warehouse.execute(missing);
  return true;
}

/** The line `--abandon` prints. */
function describeAbandoned(run: AbandonedByOperator): string {
  const seen = run.closedAt ? `Temporal reports it ${run.status} at ${run.closedAt.toISOString()}` : 'Temporal does not know it';
  return `Recorded run ${run.runId} failed as you stated it gone (${seen}); its publishing mark is cleared, its staging rows go with the retention.`;
}

/** The lines the command prints: what it recorded, what it left and why. */
export function describeOutcome(outcome: AbandonedRunsOutcome, warehouse: string): string {
  const lines: string[] = [];
  for (const run of outcome.recorded) {
    lines.push(`Recorded run ${run.runId} (workflow ${run.workflowId}) failed: ${run.status} at ${run.closedAt.toISOString()}; its publishing mark is cleared, its staging rows go with the retention.`);
  }
  if (outcome.running.length > 0) lines.push(`Left ${outcome.running.length} run(s) Temporal reports running: ${outcome.running.join(', ')}.`);
  if (outcome.unknown.length > 0) {
    const runs = outcome.unknown.map((id) => describeUnknownRun(id, outcome.unknownFound ?? [])).join(', ');
    lines.push(
      `Left ${outcome.unknown.length} run(s) with no recorded outcome that Temporal does not know (closed longer ago than the namespace's retention, or of another namespace): ${runs}. ` +
        "Once you know one is gone: sparkify runs cleanup --abandon RUN_ID --reason '…' (with the same --temporal and --warehouse).",
    );
  }
  if (lines.length === 0) lines.push(`No run of ${warehouse} is without a recorded outcome: nothing to do.`);
  else if (outcome.running.length + outcome.unknown.length > 0) lines.push('To see them beside the latest recorded runs, writing nothing: sparkify runs list (same --temporal and --warehouse).');
  return lines.join('\n');
}
