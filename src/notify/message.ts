import type { NotifyEvent, NotifySettings } from './types';

/** The JSON body POSTed to the webhook: `text` for Slack-compatible receivers, the facts as fields for the rest. */
export interface NotifyMessage {
  text: string;
  kind: NotifyEvent['kind'];
  outcome: NotifyEvent['outcome'];
  dates: string;
  failedStep: string | null;
  rootCause: string | null;
  workflowId: string;
  runId: string;
  namespace: string;
  webUiUrl: string | null;
  warnings: string[];
  failedDates: { date: string; error: string }[];
}

/** The Web UI page of one workflow run, when the Web UI's address is known. */
export function webUiLink(base: string | undefined, namespace: string, workflowId: string, runId: string): string | null {
  if (!base) return null;
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

const HEADLINES: Record<NotifyEvent['outcome'], string> = {
  failed: 'FAILED',
  'report-missing': 'completed, but its insights report was NOT written',
  warning: 'finished with warnings',
  completed: 'completed',
};

/** One message that says what failed, where, why, and where to look. */
export function buildMessage(event: NotifyEvent, settings: Pick<NotifySettings, 'webUi'>): NotifyMessage {
  const link = webUiLink(settings.webUi, event.namespace, event.workflowId, event.runId);
  const what = event.kind === 'run' ? `Sparkify ETL run for ${event.dates}` : `Sparkify backfill ${event.dates}`;
  // A backfill's report-missing is some of its dates' reports: each date writes its own.
  const headline = event.kind === 'backfill' && event.outcome === 'report-missing' ? "completed, but some of its dates' insights reports were NOT written" : HEADLINES[event.outcome];
  const lines = [`${what} ${headline}.`];
  if (event.outcome === 'failed' && event.kind === 'run') {
    lines.push(`Failed step: ${event.failedStep ?? '(not an activity: see the history)'}`);
  }
  if (event.rootCause) lines.push(`Root cause: ${event.rootCause}`);
  for (const f of event.failedDates ?? []) lines.push(`• ${f.date}: ${f.error}`);
  for (const w of event.warnings ?? []) lines.push(`Warning: ${w}`);
  if (event.figures) lines.push(event.figures);
  lines.push(
    `Where to look: ${link ?? 'the Temporal Web UI (no --web-ui address was given)'} · workflow ${event.workflowId} · run id ${event.runId} · namespace ${event.namespace}`,
  );
  return {
    text: lines.join('\n'),
    kind: event.kind,
    outcome: event.outcome,
    dates: event.dates,
    failedStep: event.failedStep ?? null,
    rootCause: event.rootCause ?? null,
    workflowId: event.workflowId,
    runId: event.runId,
    namespace: event.namespace,
    webUiUrl: link,
    warnings: event.warnings ?? [],
    failedDates: event.failedDates ?? [],
  };
}
