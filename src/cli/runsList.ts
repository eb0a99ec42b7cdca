/**
 * `sparkify runs list`: the warehouse's runs and their state, read only (src/ledger/runListing.ts).
 * The warehouse is opened to read (src/cli/readWarehouse.ts); Temporal is asked only with
 * --temporal, and only asked: recording what it says is `sparkify runs cleanup`'s.
 */
import { Client, Connection } from '@temporalio/client';
import { Option, type Command } from 'commander';
import { ConfigError } from '../config';
import type { RunWindow } from '../etl/types';
import { listRuns, type RecordedRun, type RunListing, type UnrecordedRun } from '../ledger/runListing';
import { addConnectionOptions, resolveTarget } from '../temporal/connection';
import { integerOption, print, type CliContext } from './common';
import { openWarehouseToRead } from './readWarehouse';
import { checkLocations, connectionFlagsOf } from './settingNames';

export const RUNS_LIST_DEFAULT_LIMIT = 20;

export function registerRunsListCommand(runs: Command, ctx: CliContext): void {
  addConnectionOptions(runs.command('list'))
    .description('List the latest runs with their outcome (completed, failed, abandoned) and the runs with none recorded; read only: records nothing')
    .addOption(new Option('--warehouse <uri>', 'duckdb:PATH | postgres://… | redshift-data://…').env('SPARKIFY_WAREHOUSE'))
    .addOption(new Option('--temporal <host:port>', 'ask this Temporal server about the runs with no recorded outcome (asks only: records nothing); without it they are not asked about').env('TEMPORAL_ADDRESS'))
    .option('--limit <n>', 'runs with an outcome to list, newest first (and at most as many without one)', integerOption('--limit', 1), RUNS_LIST_DEFAULT_LIMIT)
    .option('--json', 'print the listing as one JSON object')
    .action(async (flags, command: Command) => {
      if (!flags.warehouse) throw new ConfigError('--warehouse is required (or set SPARKIFY_WAREHOUSE)');
      checkLocations(command);
      const { env } = ctx();
      const target = flags.temporal ? resolveTarget({ ...connectionFlagsOf(flags, command), namespace: flags.namespace ?? env.TEMPORAL_NAMESPACE }) : undefined;
      const warehouse = await openWarehouseToRead(flags.warehouse);
      try {
        // Lazy: an unreachable server fails the questions (src/ledger/runListing.ts says so), not the listing.
        const connection = target && Connection.lazy({ address: target.options.address, tls: target.options.tls, apiKey: target.options.apiKey, metadata: target.options.metadata });
        try {
          const client = connection && new Client({ connection, namespace: target.namespace });
          const listing = await listRuns(warehouse, { limit: flags.limit, client });
          if (listing.temporalError) listing.temporalError = `${target!.options.address}: ${listing.temporalError}`;
          print(flags.json ? JSON.stringify(listing) : describeListing(listing, flags.limit));
        } finally {
          await connection?.close();
        }
      } finally {
        await warehouse.close();
      }
    });
}

/** A completed run without a window is a `run --all` (etl_runs records none); of the others, no log listed them. */
const windowText = (w: RunWindow | null, completed = false) =>
  w === null ? (completed ? 'all files' : 'dates not recorded') : w.from === w.to ? w.from : `${w.from} … ${w.to}`;

function recordedLine(run: RecordedRun): string {
  const times = [run.startedAt && `started ${run.startedAt}`, run.finishedAt && `${run.outcome === 'completed' ? 'finished' : 'recorded failed as of'} ${run.finishedAt}`].filter(Boolean).join(', ');
  const head = `  ${run.outcome.padEnd(9)} ${run.runId}  ${windowText(run.window, run.outcome === 'completed')}${times ? `  ${times}` : ''}`;
  if (run.outcome !== 'abandoned') return head;
  const why = run.status === 'abandoned' ? `an operator stated it gone${run.reason ? `: ${run.reason}` : ''}` : `Temporal reported it ${run.status}${run.workflowId ? ` (workflow ${run.workflowId})` : ''}`;
  return `${head}; ${why}, found by ${run.foundBy}${run.foundAt ? ` at ${run.foundAt}` : ''}`;
}

function unrecordedLine(run: UnrecordedRun): string {
  const parts = [windowText(run.window), run.publishingSince ? `publishing since ${run.publishingSince}` : 'files listed, no publish begun'];
  if (run.temporal === 'closed without a record') parts.push(`Temporal: ${run.status} at ${run.closedAt} (workflow ${run.workflowId}), not recorded yet`);
  else if (run.temporal !== 'not asked') parts.push(`Temporal: ${run.temporal}`);
  if (run.foundUnknown) parts.push(`found unknown to Temporal first at ${run.foundUnknown.firstFoundAt} by ${run.foundUnknown.firstFoundBy}, ${run.foundUnknown.timesFound} time(s) in all`);
  return `  ${run.runId}  ${parts.join('; ')}`;
}

/** The lines the command prints: the runs with an outcome, then those without, then what it could not list. */
export function describeListing(listing: RunListing, limit: number): string {
  const lines: string[] = [];
  lines.push(listing.recorded.length === 0 ? `No run of ${listing.warehouse} has a recorded outcome.` : `The latest ${listing.recorded.length} run(s) of ${listing.warehouse} with a recorded outcome (at most ${limit}, newest first):`);
  for (const run of listing.recorded) lines.push(recordedLine(run));
  if (listing.unrecordedTotal > 0) {
    const more = listing.unrecordedTotal > listing.unrecorded.length ? ` (the first ${listing.unrecorded.length})` : '';
    lines.push(`${listing.unrecordedTotal} run(s) with no recorded outcome${more}:`);
    for (const run of listing.unrecorded) lines.push(unrecordedLine(run));
    if (listing.temporalError) {
      lines.push(`Temporal did not answer whether they are going, closed or unknown to it (${listing.temporalError}): check --temporal and the connection flags (sparkify doctor checks them), then list again.`);
    } else if (!listing.temporalAsked) {
      lines.push('Temporal was not asked whether they are going, closed or unknown to it: give --temporal HOST:PORT (it only asks).');
    }
    if (listing.unrecorded.some((r) => r.temporal === 'closed without a record')) {
      lines.push('Those closed without a record are recorded failed by the next run, or now by: sparkify runs cleanup (same --temporal and --warehouse).');
    }
    if (listing.unrecorded.some((r) => r.temporal === 'unknown to Temporal' || r.foundUnknown)) {
      lines.push("Once you know a run unknown to Temporal is gone: sparkify runs cleanup --abandon RUN_ID --reason '…' (same --temporal and --warehouse).");
    }
  } else if (listing.notes.length === 0) {
    lines.push('Every run listed in the warehouse has recorded its outcome.');
  }
  for (const note of listing.notes) lines.push(`Not listed: ${note}.`);
  return lines.join('\n');
}
