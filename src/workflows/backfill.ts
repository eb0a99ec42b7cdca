import { ApplicationFailure } from '@temporalio/common';
import { continueAsNew, defineQuery, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { BACKFILL_DEFAULTS } from '../defaults';
import { datesBetween } from '../etl/dates';
import { ERROR_TYPES, NON_RETRYABLE_ERROR_TYPES } from '../errors';
import { runDate, type DateRunInput } from './dateRun';
import { HEARTBEAT_TIMEOUT } from './etl';
import { rootMessage } from '../etl/failures';
import { backfillInputShape, checkWorkflowInput } from './inputs';
import { notifyQuietly, runWarnings } from '../notify/workflow';
import type { NotifyOutcome, NotifySettings } from '../notify/types';
import { bounded, describeReasons, withReason, type DatedReason } from './carriedReasons';

export interface BackfillInput {
  /** First and last logical date, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  /** What each date's run gets ({}: the worker's source and warehouse). */
  etl: DateRunInput;
  /** Dates running at once (default 4). */
  concurrency?: number;
  /** Skip dates whose event log the load ledger already holds. */
  onlyMissing?: boolean;
  /**
   * Skip them too, but for those whose logs were loaded under older rules than the worker's
   * (src/etl/versions.ts): they run again.
   */
  onlyStale?: boolean;
  /** Newest date first (default oldest first). */
  newestFirst?: boolean;
  /** Dates one workflow run handles before continuing as new, so history stays bounded (default 100). */
  datesPerRun?: number;
  /** Alert a webhook once, when the whole backfill has ended (its dates' runs send none of their own). */
  notify?: NotifySettings;
  /** Carried across continue-as-new; not for callers. */
  carried?: BackfillCounts & { cursor: number; runs: number; warnedDates?: string[] };
}

export interface BackfillCounts {
  completed: number;
  skipped: number;
  /** Every failed date; the first few with their reason, shortened (./carriedReasons.ts). */
  failed: DatedReason[];
  /** Completed dates whose run staged no event: no log (the date keeps its plays) or a log without events. */
  withoutEvents?: string[];
  /** Completed dates whose insights report was not written; the first few with the reason (its run's reportError), shortened. */
  reportMissing?: DatedReason[];
}

export interface BackfillProgress extends BackfillCounts {
  from: string;
  to: string;
  total: number;
  running: string[];
  /** Dates not started yet. */
  pending: number;
  /** Workflow runs in this backfill's chain so far (1 + continue-as-new count). */
  runs: number;
}

export type BackfillResult = Omit<BackfillProgress, 'running' | 'pending'>;

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

/**
 * patched() id: a backfill with dates whose report was not written (and none failed) alerts as
 * 'report-missing', which every --notify-on level sends, the default 'failure' too, as a date's own
 * run does (src/notify/workflow.ts). Backfills recorded before alerted it as a 'warning', if at all.
 */
export const BACKFILL_REPORT_MISSING_ALERTS = 'backfill-report-missing-alerts';

/** The alert's outcome: failed dates first, then dates without their report, then warnings. */
function alertOutcome(counts: BackfillCounts, warnedDates: string[]): NotifyOutcome {
  if (counts.failed.length > 0) return 'failed';
  if (counts.reportMissing!.length > 0 && patched(BACKFILL_REPORT_MISSING_ALERTS)) return 'report-missing';
  return warnedDates.length > 0 ? 'warning' : 'completed';
}

const ledger = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // The worker heartbeats every activity (activities/heartbeat.ts): a killed worker's lookup is retried at once.
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

/**
 * Runs etlRun for every date of a range, one child workflow per date under the date's id, at most
 * `concurrency` at once. Every `datesPerRun` dates it waits for its children and continues as new
 * with a cursor, so a multi-year range never grows one history without bound. A failed date does
 * not stop the others; the backfill fails at the end, naming the failed dates.
 */
export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  checkWorkflowInput('backfill', backfillInputShape, input);
  const etl = input.etl;
  const ordered = datesBetween(input.from, input.to);
  if (input.newestFirst) ordered.reverse();
  const concurrency = Math.max(1, input.concurrency ?? BACKFILL_DEFAULTS.concurrency);
  const perRun = Math.max(1, input.datesPerRun ?? BACKFILL_DEFAULTS.datesPerRun);
  const carried = input.carried ?? { cursor: 0, runs: 0, completed: 0, skipped: 0, failed: [] };
  const counts: BackfillCounts = {
    completed: carried.completed,
    skipped: carried.skipped,
    failed: bounded(carried.failed),
    withoutEvents: [...(carried.withoutEvents ?? [])],
    reportMissing: bounded(carried.reportMissing ?? []),
  };
  const runs = carried.runs + 1;
  const warnedDates = [...(carried.warnedDates ?? [])];
  const running = new Set<string>();
  const cursor = carried.cursor;
  const chunkEnd = Math.min(ordered.length, cursor + perRun);
  let queue = ordered.slice(cursor, chunkEnd);

  setHandler(backfillProgressQuery, () => ({
    from: input.from,
    to: input.to,
    total: ordered.length,
    ...counts,
    running: [...running],
    pending: queue.length + (ordered.length - chunkEnd),
    runs,
  }));

  if ((input.onlyMissing || input.onlyStale) && queue.length > 0) {
    // The source too, so a log corrected since it was loaded counts as missing (an activity input, not a command: replays are unchanged).
    const currentRulesOnly = input.onlyStale ? { currentRulesOnly: true } : {};
    const loaded = new Set(await ledger.loadedDates({ warehouse: etl.warehouse ?? '', dates: queue, source: etl.source, ...currentRulesOnly }));
    counts.skipped += queue.filter((d) => loaded.has(d)).length;
    queue = queue.filter((d) => !loaded.has(d));
  }

  const lane = async (limit = Infinity): Promise<void> => {
    for (let n = 0; n < limit && queue.length > 0; n++) {
      const date = queue.shift()!;
      running.add(date);
      try {
        const summary = await runDate(date, etl);
        counts.completed++;
        if (summary.staging.events.recordsStaged === 0) counts.withoutEvents!.push(date);
        if (summary.reportError) counts.reportMissing = withReason(counts.reportMissing!, { date, error: summary.reportError });
        if (input.notify && runWarnings(summary).length > 0) warnedDates.push(date);
      } catch (err) {
        counts.failed = withReason(counts.failed, { date, error: rootMessage(err) });
      } finally {
        running.delete(date);
      }
    }
  };
  // The first date runs alone: it stages the song files no run has loaded yet, so the dates after
  // it find them in the ledger instead of all staging (and racing over) the same files.
  if (queue.length > 0) await lane(1);
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, () => lane()));

  if (chunkEnd < ordered.length) {
    await continueAsNew<typeof backfill>({ ...input, carried: { ...counts, cursor: chunkEnd, runs, ...(input.notify ? { warnedDates } : {}) } });
  }
  const result: BackfillResult = { from: input.from, to: input.to, total: ordered.length, ...counts, runs };
  const reportMissing = counts.reportMissing!;
  const warnings = [
    ...(warnedDates.length > 0 ? [`dates that finished with warnings: ${warnedDates.join(', ')}`] : []),
    ...reportMissing.map((r) => `report not written for ${r.date}: ${r.error}`),
  ];
  const rootCauses = [
    ...(counts.failed.length > 0 ? [`${counts.failed.length} of ${ordered.length} dates failed`] : []),
    ...(reportMissing.length > 0 ? [`${reportMissing.length} of ${ordered.length} dates loaded without their insights report`] : []),
  ];
  await notifyQuietly(input.notify, {
    kind: 'backfill',
    outcome: alertOutcome(counts, warnedDates),
    dates: `${input.from} … ${input.to}`,
    ...(rootCauses.length > 0 ? { rootCause: rootCauses.join('; ') } : {}),
    ...(counts.failed.length > 0 ? { failedDates: counts.failed } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    figures:
      `${counts.completed} dates loaded (${counts.withoutEvents!.length} without events, ${reportMissing.length} without their report), ` +
      `${counts.skipped} skipped as already loaded, ${counts.failed.length} failed.`,
  });
  if (counts.failed.length > 0) {
    const list = describeReasons(counts.failed);
    throw ApplicationFailure.nonRetryable(
      `backfill ${workflowInfo().workflowId}: ${counts.failed.length} of ${ordered.length} dates failed (${list})`,
      ERROR_TYPES.backfillFailed,
      result,
    );
  }
  return result;
}
