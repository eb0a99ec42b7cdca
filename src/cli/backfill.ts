import { WorkflowFailedError } from '@temporalio/client';
import { Option, type Command } from 'commander';
import { ConfigError, parseDate, parseSourceUri, parseWarehouseUri } from '../config';
import { openSource } from '../source';
import { ledgerDates, type StaleDate } from '../ledger/loaded';
import { RULES_VERSION } from '../etl/versions';
import { BACKFILL_DEFAULTS, BACKFILL_LIMITS } from '../defaults';
import { datesBetween } from '../etl/dates';
import { backfillWorkflowIdFor } from '../etl/workflowIds';
import { s3SettingsFromEnv } from '../source/s3Client';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { openWarehouse } from '../warehouse';
import { backfill, type BackfillInput, type BackfillResult } from '../workflows/backfill';
import { rootMessage } from '../etl/failures';
import { RunFailedError } from './runEtl';
import { dateRunInput, integerOption, print, type CliContext } from './common';
import { following } from './followWorkflow';
import { connectionFlagsOf, settingNamesOf } from './settingNames';
import { runSettingDifferences, startOrAttach, type SettingDifference } from './startOrAttach';
import { openStack } from './temporalStack';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../etl/searchAttributes';
import { addNotifyOptions, notifyFromFlags, notifyUrlEnv, type NotifyFlags } from '../notify/flags';
import { addConnectionOptions, resolveTarget, type ConnectionFlags } from '../temporal/connection';

interface BackfillFlags extends NotifyFlags, ConnectionFlags {
  from: string;
  to: string;
  concurrency: number;
  onlyMissing?: boolean;
  onlyStale?: boolean;
  dryRun?: boolean;
  newestFirst?: boolean;
  datesPerRun: number;
  temporal?: string;
  source?: string;
  warehouse?: string;
  failOnEmpty?: boolean;
  wait: boolean;
  json?: boolean;
}

/**
 * The dates a backfill would run: the range, in order, less those the ledger holds with
 * --only-missing, and less those it holds as loaded under this release's rules with --only-stale.
 * `stale`, where the ledger was read: the dates of the range loaded under older rules (run with
 * --only-stale, skipped with --only-missing).
 */
async function plannedDates(flags: BackfillFlags, warehouseUri: string | undefined, sourceUri: string | undefined): Promise<{ dates: string[]; stale?: StaleDate[] }> {
  const dates = datesBetween(flags.from, flags.to);
  if (flags.newestFirst) dates.reverse();
  if (!flags.onlyMissing && !flags.onlyStale) return { dates };
  const flag = flags.onlyStale ? '--only-stale' : '--only-missing';
  if (!warehouseUri) throw new ConfigError(`${flag} reads the load ledger: give --warehouse (or set SPARKIFY_WAREHOUSE)`);
  const warehouse = await openWarehouse(parseWarehouseUri(warehouseUri));
  try {
    // Without a source here (the worker's own), the dry run cannot see which logs changed since loaded.
    const source = sourceUri ? openSource(parseSourceUri(sourceUri), s3SettingsFromEnv()) : undefined;
    const ledger = await ledgerDates(warehouse, dates, undefined, source);
    const skipped = new Set(ledger.loaded);
    if (flags.onlyStale) for (const s of ledger.stale) skipped.delete(s.date);
    return { dates: dates.filter((d) => !skipped.has(d)), stale: ledger.stale };
  } finally {
    await warehouse.close();
  }
}

/** The dry run's lines: the dates to run, and those loaded under older rules. */
function describePlan(planned: { dates: string[]; stale?: StaleDate[] }, flags: BackfillFlags): string[] {
  const stale = planned.stale ?? [];
  const older = new Map(stale.map((s) => [s.date, s.rulesVersion]));
  const lines = [`Would run ${planned.dates.length} date(s), ${flags.concurrency} at a time:`];
  for (const date of planned.dates) lines.push(older.has(date) ? `${date}  (loaded under rules version ${older.get(date)}; this release's is ${RULES_VERSION})` : date);
  if (!flags.onlyStale && stale.length > 0) {
    lines.push(`Skipped, but loaded under older rules than this release's (rules version ${RULES_VERSION}); --only-stale runs them too:`);
    for (const s of stale) lines.push(`${s.date}  rules version ${s.rulesVersion}`);
  }
  return lines;
}

/** Where a running backfill's input differs from the one asked in what it loads: each date's run settings, and which dates run. */
function backfillSettingDifferences(running: BackfillInput, asked: BackfillInput): SettingDifference[] {
  const differences = runSettingDifferences(running.etl, asked.etl);
  for (const setting of ['onlyMissing', 'onlyStale'] as const) {
    const [was, is] = [running[setting] ?? false, asked[setting] ?? false];
    if (was !== is) differences.push({ setting, running: was, asked: is });
  }
  return differences;
}

/** At most ten dates, then how many more. */
const someDates = (dates: string[]) => (dates.length > 10 ? `${dates.slice(0, 10).join(', ')} and ${dates.length - 10} more` : dates.join(', '));

function describeResult(r: BackfillResult): string {
  const lines = [`Backfill ${r.from} … ${r.to}: ${r.completed} date(s) loaded, ${r.skipped} skipped as already loaded, ${r.failed.length} failed (${r.runs} workflow run(s)).`];
  const empty = r.withoutEvents ?? [];
  if (empty.length > 0) lines.push(`${empty.length} of them without events (no log: the date keeps its published plays; or a log without events): ${someDates(empty)}.`);
  const reportMissing = r.reportMissing ?? [];
  if (reportMissing.length > 0) {
    lines.push(
      `${reportMissing.length} of them loaded, but their insights report NOT written: ${someDates(reportMissing.map((m) => m.date))} (${reportMissing[0].date}: ${reportMissing[0].error}). ` +
        'Fix the report location and run those dates again, or write a report with sparkify insights (docs/operations.md).',
    );
  }
  return lines.join('\n');
}

/** `sparkify backfill --from D --to D [--concurrency N] [--only-missing|--only-stale] [--dry-run]` */
export function registerBackfillCommand(program: Command, ctx: CliContext): void {
  addConnectionOptions(addNotifyOptions(program.command('backfill')))
    .description('Load every date of a range, one child run per date, a few at a time (a workflow: it survives worker restarts)')
    .requiredOption('--from <YYYY-MM-DD>', 'first date')
    .requiredOption('--to <YYYY-MM-DD>', 'last date (inclusive)')
    .option('--concurrency <n>', 'dates running at once', integerOption('--concurrency', BACKFILL_LIMITS.concurrency.min, BACKFILL_LIMITS.concurrency.max), BACKFILL_DEFAULTS.concurrency)
    .option('--only-missing', 'skip dates the load ledger shows loaded, with their logs unchanged since')
    .option('--only-stale', 'as --only-missing, but also run the dates whose logs were loaded under older rules than this release\'s')
    .option('--dry-run', 'print the dates it would run, and run nothing')
    .option('--newest-first', 'run the latest date first')
    .option('--dates-per-run <n>', 'dates per workflow run before it continues as new', integerOption('--dates-per-run', BACKFILL_LIMITS.datesPerRun.min, BACKFILL_LIMITS.datesPerRun.max), BACKFILL_DEFAULTS.datesPerRun)
    .option('--temporal <host:port>', 'Temporal server (default: an embedded dev server and worker for this command; env TEMPORAL_ADDRESS)')
    .addOption(new Option('--source <dir|s3://…>', "source (default: the worker's)").env('SPARKIFY_SOURCE'))
    .addOption(new Option('--warehouse <uri>', "warehouse (default: the worker's)").env('SPARKIFY_WAREHOUSE'))
    .option('--fail-on-empty', 'fail a date that has no events (default: succeed with a warning)')
    .option('--no-wait', 'start the backfill and return (follow it with `temporal workflow query … --type backfillProgress`)')
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: BackfillFlags, command: Command) => {
      const { env, log } = ctx();
      const from = parseDate(flags.from, '--from');
      const to = parseDate(flags.to, '--to');
      if (from > to) throw new ConfigError(`--from ${from} is after --to ${to}`);
      const temporalAddress = flags.temporal ?? env.TEMPORAL_ADDRESS;
      const warehouseUri = flags.warehouse;
      const etl = dateRunInput(flags, settingNamesOf(command));
      const notify = notifyFromFlags(flags, settingNamesOf(command), notifyUrlEnv(command));

      if (flags.dryRun) {
        const planned = await plannedDates(flags, warehouseUri, etl.source);
        if (flags.json) return print(JSON.stringify({ from, to, ...planned }));
        for (const line of describePlan(planned, flags)) print(line);
        return;
      }
      const connect = connectionFlagsOf(flags, command);
      const embedded = !resolveTarget({ ...connect, temporal: temporalAddress });
      if (embedded && (!etl.source || !etl.warehouse)) {
        throw new ConfigError('without --temporal the backfill runs in this process: give --source and --warehouse (or set SPARKIFY_SOURCE, SPARKIFY_WAREHOUSE)');
      }
      if (embedded && !flags.wait) throw new ConfigError('--no-wait needs --temporal: an embedded server ends with the command');
      const stack = await openStack({
        address: temporalAddress,
        connect,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.SPARKIFY_TASK_QUEUE,
        log,
        sdkLogLevel: 'ERROR',
        worker: embedded ? { s3: s3SettingsFromEnv(), defaultSource: etl.source, defaultWarehouse: warehouseUri } : undefined,
        devServer: { searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } },
      });
      try {
        // Each child run carries the Sparkify search attributes: the namespace must know them.
        if (!(await ensureSearchAttributes(stack.client, log))) {
          throw new ConfigError('backfill: the Sparkify search attributes could not be registered on the namespace (see docs/operations.md)');
        }
        const workflowId = backfillWorkflowIdFor(from, to);
        const input: BackfillInput = {
          from,
          to,
          etl,
          concurrency: flags.concurrency,
          onlyMissing: flags.onlyMissing ?? false,
          ...(flags.onlyStale ? { onlyStale: true } : {}),
          newestFirst: flags.newestFirst ?? false,
          datesPerRun: flags.datesPerRun,
          ...(notify ? { notify } : {}),
        };
        const { handle, attached } = await startOrAttach(stack.client, backfill, { taskQueue: env.SPARKIFY_TASK_QUEUE, workflowId, args: [input] }, {
          differences: backfillSettingDifferences,
          target: (running) => running.etl,
        });
        if (!attached) log.info({ workflowId, address: stack.address }, 'backfill started');
        if (!flags.wait) return print(`${attached ? 'Attached to' : 'Started'} backfill ${workflowId} on ${stack.address}.`);
        let outcome: BackfillResult;
        try {
          outcome = await following(stack, workflowId, () => (stack.worker ? stack.worker.runUntil(handle.result()) : handle.result()), flags);
        } catch (err) {
          if (err instanceof WorkflowFailedError) throw new RunFailedError(`backfill ${workflowId} failed: ${rootMessage(err)}`, workflowId);
          throw err;
        }
        print(flags.json ? JSON.stringify(outcome) : describeResult(outcome));
      } finally {
        await stack.close();
      }
    });
}
