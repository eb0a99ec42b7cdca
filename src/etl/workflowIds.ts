import type { RunWindow } from './types';

/**
 * Deterministic per window, so two starts for the same window (CLI, schedule, backfill child or
 * `temporal workflow start`) meet at one workflow id and never run at once.
 */
export function workflowIdFor(window: RunWindow | null): string {
  if (!window) return 'sparkify-etl-all';
  return window.from === window.to ? `sparkify-etl-${window.from}` : `sparkify-etl-${window.from}_${window.to}`;
}

const DATES_IN_WORKFLOW_ID = /^sparkify-etl-(\d{4}-\d{2}-\d{2})(?:_(\d{4}-\d{2}-\d{2}))?$/;

/** The window a run's workflow id names (workflowIdFor's inverse); null for any other id, `sparkify-etl-all` too. */
export function windowOfWorkflowId(workflowId: string | undefined): RunWindow | null {
  const m = DATES_IN_WORKFLOW_ID.exec(workflowId ?? '');
  return m ? { from: m[1], to: m[2] ?? m[1] } : null;
}

export function backfillWorkflowIdFor(from: string, to: string): string {
  return `sparkify-backfill-${from}_${to}`;
}
