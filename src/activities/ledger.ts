import { eventLogPrefixForDate, type SourceObject } from '../source';
import { sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/** The statements that record a run's files in etl_load_ledger (part of the songplays publish). */
export function recordLedgerStatements(warehouse: Warehouse, runId: string, now: Date): string[] {
  const loadedAt = now.toISOString().replace('T', ' ').replace('Z', '');
  return sqlStatements('ledger/record', warehouse.dialect, { run_id: runId, loaded_at: loadedAt });
}

/** The song files to stage: those the ledger does not hold with the same ETag. */
export async function songFilesToLoad(warehouse: Warehouse, listed: SourceObject[]): Promise<SourceObject[]> {
  const rows = await warehouse.query(`SELECT source_key, etag FROM etl_load_ledger WHERE kind = 'songs'`);
  const loaded = new Map(rows.map((r) => [String(r.source_key), r.etag === null ? null : String(r.etag)]));
  return listed.filter((obj) => loaded.get(obj.key) !== obj.etag);
}

/**
 * The dates, among those given, whose event log the ledger holds from a run that completed (a run
 * that published and then failed a quality check does not count: its date is loaded again).
 */
export async function loadedDates(warehouse: Warehouse, dates: string[]): Promise<string[]> {
  if (dates.length === 0) return [];
  const rows = await warehouse.query(
    `SELECT l.source_key FROM etl_load_ledger l JOIN etl_runs r ON r.run_id = l.run_id ` +
      `WHERE l.kind = 'events' AND r.status = 'completed'`,
  );
  const keys = rows.map((r) => String(r.source_key));
  return dates.filter((date) => {
    const prefix = eventLogPrefixForDate(date);
    return keys.some((key) => key.startsWith(prefix) && key.endsWith(`${date}-events.json`));
  });
}

/** Whether the warehouse has a ledger yet (a fresh warehouse has loaded nothing). */
export async function hasLedger(warehouse: Warehouse): Promise<boolean> {
  try {
    await warehouse.query('SELECT 1 FROM etl_load_ledger WHERE 1 = 0');
    return true;
  } catch {
    return false;
  }
}
