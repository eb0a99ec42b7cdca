/**
 * Failure alerts from workflow code: decide, then hand the sending to the notify activity (with
 * retries). An alert that cannot be sent is logged and dropped: it never changes the run's outcome.
 */
import { isCancellation, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ERROR_TYPES } from '../errors';
import { failedStep, rootMessage } from '../etl/failures';
import type { RunSummary, RunWindow } from '../etl/types';
import { describeDates, shouldNotify } from './policy';
import type { NotifyEvent, NotifySettings } from './types';

const { sendNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4, nonRetryableErrorTypes: [ERROR_TYPES.webhookRejected] },
});

/** A webhook URL (or reference) cut to scheme and host, plus a reference's fingerprint: its path and credentials are secret. */
function originOnly(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#@]*@)?([^/?#]*)[^#]*/i, '$1$2/…');
}

/**
 * patched() id: a run whose report was not written alerts as 'report-missing', which every
 * --notify-on level sends, the default 'failure' too (runs recorded before sent it as a 'warning',
 * which 'failure' does not).
 */
export const REPORT_MISSING_ALERTS = 'report-missing-alerts';

type EventFacts = Omit<NotifyEvent, 'workflowId' | 'runId' | 'namespace'>;

/** Sends the alert when the settings ask for this outcome; swallows (and logs) a failure to send. */
export async function notifyQuietly(settings: NotifySettings | undefined, facts: EventFacts): Promise<void> {
  if (!settings || !shouldNotify(settings.on, facts.outcome)) return;
  // Histories recorded before alerts existed never get here (they carry no settings); the marker
  // keeps the new activity call explicit for replay all the same.
  if (!patched('notify-webhook')) return;
  const info = workflowInfo();
  const event: NotifyEvent = { ...facts, workflowId: info.workflowId, runId: info.runId, namespace: info.namespace };
  try {
    await sendNotification({ settings, event });
  } catch (err) {
    log.warn('the alert could not be sent; the run keeps its own outcome', { destination: originOnly(settings.url), error: rootMessage(err) });
  }
}

/** Warn-level checks that failed, and a report that was not written, as the message lists them. */
export function runWarnings(summary: RunSummary): string[] {
  const checks = summary.checks.filter((c) => c.status === 'fail' && c.severity === 'warn').map((c) => `${c.name}: ${c.description} (${c.failingCount} failing)`);
  return summary.reportError ? [...checks, `report not written: ${summary.reportError}`] : checks;
}

/** Runs an ETL run and alerts on its outcome as `settings` ask; the run's result or error passes through. */
export async function withRunAlerts(settings: NotifySettings | undefined, window: RunWindow | null, run: () => Promise<RunSummary>): Promise<RunSummary> {
  if (!settings) return run();
  const dates = describeDates(window);
  let summary: RunSummary;
  try {
    summary = await run();
  } catch (err) {
    if (!isCancellation(err)) {
      await notifyQuietly(settings, { kind: 'run', outcome: 'failed', dates, failedStep: failedStep(err), rootCause: rootMessage(err) });
    }
    throw err;
  }
  const warnings = runWarnings(summary);
  // A report not written alerts at every level (runs recorded before sent it as a warning, if at all).
  const outcome = summary.reportError && patched(REPORT_MISSING_ALERTS) ? 'report-missing' : warnings.length > 0 ? 'warning' : 'completed';
  const figures = `${summary.matches.plays} plays, ${(summary.matches.matchRate * 100).toFixed(1)}% matched to a song, ${summary.rejected.count} records rejected.`;
  await notifyQuietly(settings, { kind: 'run', outcome, dates, warnings, figures });
  return summary;
}
