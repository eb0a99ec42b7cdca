/** Failure alerts: plain data shared by the CLI, the workflows and the notify activity. */

export const NOTIFY_ON = ['failure', 'warning', 'always'] as const;
/**
 * failure: failed runs, and runs whose insights report was not written (what the analysts read each
 * morning is missing though the tables are loaded); warning: also runs that finished with failed
 * warn-level checks; always: every run.
 */
export type NotifyOn = (typeof NOTIFY_ON)[number];

export interface NotifySettings {
  /**
   * Where the JSON message is POSTed (a generic webhook, or a Slack incoming webhook): a reference
   * to the URL, which the worker resolves (src/notify/destination.ts), or, from a workflow started
   * by hand, the URL itself.
   */
  url: string;
  on: NotifyOn;
  /** Base URL of the Temporal Web UI (e.g. http://localhost:8233), for the link in the message. */
  webUi?: string;
}

/** report-missing: the run completed, its tables published and checked, but its report was not written. */
export type NotifyOutcome = 'failed' | 'report-missing' | 'warning' | 'completed';

/** What happened, as the workflow knows it; the activity turns it into the message. */
export interface NotifyEvent {
  kind: 'run' | 'backfill';
  outcome: NotifyOutcome;
  workflowId: string;
  runId: string;
  namespace: string;
  /** The date, range or 'all files' the run loaded. */
  dates: string;
  /** The activity that failed (runs), if the failure came from one. */
  failedStep?: string;
  /** The deepest cause's message. */
  rootCause?: string;
  /** Warn-level checks that failed: "name: description (n failing)". */
  warnings?: string[];
  /** Backfills: the dates that failed, each with its cause. */
  failedDates?: { date: string; error: string }[];
  /** One line of figures for a run that completed (plays, match rate, …). */
  figures?: string;
}
