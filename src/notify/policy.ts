import type { NotifyOn, NotifyOutcome } from './types';

/** Whether an outcome is worth a message at the chosen level (pure: the workflows call it). */
export function shouldNotify(on: NotifyOn, outcome: NotifyOutcome): boolean {
  if (outcome === 'failed' || outcome === 'report-missing') return true;
  if (outcome === 'warning') return on === 'warning' || on === 'always';
  return on === 'always';
}

/** A window as a message names it. */
export function describeDates(window: { from: string; to: string } | null | undefined): string {
  if (!window) return 'all files';
  return window.from === window.to ? window.from : `${window.from} … ${window.to}`;
}
