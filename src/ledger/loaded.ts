/**
 * What the load ledger (etl_load_ledger) says is loaded already: read by the listing step, the
 * backfill workflow's --only-missing lookup and the CLI's dry run alike. Reads only; the ledger's
 * rows are written by the songplays publish (src/activities/ledger.ts).
 */
import { eventLogPrefixForDate, type SourceObject } from '../source';
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/**
 * The song files to stage: those the ledger does not hold with the same ETag from a run that
 * completed (as for event logs, a run that failed after publishing does not count).
 */
export async function songFilesToLoad(warehouse: Warehouse, listed: SourceObject[]): Promise<SourceObject[]> {
  const rows = await warehouse.query(sqlStatement('ledger/loaded_songs', warehouse.dialect));
  const loaded = new Map(rows.map((r) => [String(r.source_key), r.etag === null ? null : String(r.etag)]));
  return listed.filter((obj) => loaded.get(obj.key) !== obj.etag);
}

/**
 * The dates, among those given, whose event log the ledger holds from a run that completed (a run
 * that published and then failed a quality check does not count: its date is loaded again). A
 * warehouse without a ledger yet has loaded none.
 */
export async function loadedDates(warehouse: Warehouse, dates: string[]): Promise<string[]> {
  if (dates.length === 0 || !(await hasLedger(warehouse))) return [];
  const rows = await warehouse.query(sqlStatement('ledger/loaded_events', warehouse.dialect));
  const keys = rows.map((r) => String(r.source_key));
  return dates.filter((date) => {
    const prefix = eventLogPrefixForDate(date);
    return keys.some((key) => key.startsWith(prefix) && key.endsWith(`${date}-events.json`));
  });
}

/** Whether the warehouse has a ledger yet (a fresh warehouse has loaded nothing). */
export async function hasLedger(warehouse: Warehouse): Promise<boolean> {
  try {
    await warehouse.query(sqlStatement('ledger/exists', warehouse.dialect));
    return true;
  } catch {
    return false;
  }
}
