import type { RunWindow } from '../etl/types';
import type { SqlParam } from '../warehouse/sql';

/** No window: bounds wide enough for any real event, so every query takes the same parameters. */
const EARLIEST = '1900-01-01';
const LATEST = '2999-12-31';

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The window as the insight queries' parameters: [from, to + 1 day) as timestamps and epoch ms. */
export function windowParams(window: RunWindow | null): Record<string, SqlParam> {
  const from = window?.from ?? EARLIEST;
  const end = nextDay(window?.to ?? LATEST);
  return {
    from_ts: `${from} 00:00:00`,
    to_ts: `${end} 00:00:00`,
    from_ms: Date.parse(`${from}T00:00:00Z`),
    to_ms: Date.parse(`${end}T00:00:00Z`),
  };
}

export function describeWindow(window: RunWindow | null): string {
  if (!window) return 'all data';
  return window.from === window.to ? window.from : `${window.from} to ${window.to}`;
}
