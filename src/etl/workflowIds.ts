import type { RunWindow } from './types';

/**
 * Deterministic per window, so two starts for the same window (CLI, schedule, backfill child or
 * `temporal workflow start`) meet at one workflow id and never run at once.
 */
export function workflowIdFor(window: RunWindow | null): string {
  if (!window) return 'sparkify-etl-all';
  return window.from === window.to ? `sparkify-etl-${window.from}` : `sparkify-etl-${window.from}_${window.to}`;
}

export function backfillWorkflowIdFor(from: string, to: string): string {
  return `sparkify-backfill-${from}_${to}`;
}
