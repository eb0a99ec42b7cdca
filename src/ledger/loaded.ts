/**
 * What the load ledger (etl_load_ledger) says is loaded already: read by the listing step, the
 * backfill workflow's --only-missing lookup and the CLI's dry run alike. Reads only; the ledger's
 * rows are written by the songplays publish (src/activities/ledger.ts). `signal`, where given (an
 * activity's cancellation), cancels the query running when it aborts.
 */
import { eventLogMonthPrefix, eventLogPrefixForDate, type Source, type SourceObject } from '../source';
import { RULES_VERSION } from '../etl/versions';
import { listParts } from '../warehouse/listParts';
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

/**
 * Most keys asked about per ledger query; fewer where their literals would take a statement past the
 * warehouse's size limit (ledgerKeyParts). Per 1,000 keys, 71,000 song files took 71 queries: 0.6 s
 * on PostgreSQL and 0.9 s on DuckDB, against 0.2 s and 0.55 s per 10,000 (a night's listing).
 */
export const LEDGER_KEYS_PER_QUERY = 10_000;

/**
 * `listed` in parts of at most LEDGER_KEYS_PER_QUERY keys, each part's query within the warehouse's
 * statement size (listParts: Redshift's Data API refuses a statement over 100 KB, which 1,000 keys
 * of 100 characters reach; a key may have up to 1,024).
 */
export function ledgerKeyParts(warehouse: Warehouse, listed: readonly SourceObject[]): SourceObject[][] {
  return listParts(warehouse, 'ledger/loaded_songs', listed, { param: 'keys', count: LEDGER_KEYS_PER_QUERY, value: (obj) => obj.key });
}

/**
 * The song files to stage: those the ledger does not hold with the same ETag from a run that
 * completed (as for event logs, a run that failed after publishing does not count), and those it
 * holds as loaded under older rules than this release's (RULES_VERSION): a rules fix reaches every
 * song file loaded before it. Asks about the given files only, a part at a time (ledgerKeyParts), so
 * memory follows `listed` (one batch of a listing), not the ledger.
 */
export async function songFilesToLoad(warehouse: Warehouse, listed: readonly SourceObject[], signal?: AbortSignal): Promise<SourceObject[]> {
  const toLoad: SourceObject[] = [];
  for (const part of ledgerKeyParts(warehouse, listed)) {
    const rows = await warehouse.query(sqlStatement('ledger/loaded_songs', warehouse.dialect, { keys: part.map((o) => o.key) }), { signal });
    const current = rows.filter((r) => Number(r.rules_version) >= RULES_VERSION);
    const loaded = new Map(current.map((r) => [String(r.source_key), r.etag === null ? null : String(r.etag)]));
    for (const obj of part) if (loaded.get(obj.key) !== obj.etag) toLoad.push(obj);
  }
  return toLoad;
}

/** Whether any run that completed loaded a song file (if not, no listed song file is loaded). */
export async function hasLoadedSongs(warehouse: Warehouse, signal?: AbortSignal): Promise<boolean> {
  const [row] = await warehouse.query(sqlStatement('ledger/loaded_song_count', warehouse.dialect), { signal });
  return Number(row?.songs ?? 0) > 0;
}

/** Whether `key` is an event log of `date` (log_data/YYYY/MM/…YYYY-MM-DD-events.json). */
function isLogOf(key: string, date: string): boolean {
  return key.startsWith(eventLogPrefixForDate(date)) && key.endsWith(`${date}-events.json`);
}

/** A loaded date whose event logs were loaded under older rules than this release's. */
export interface StaleDate {
  date: string;
  /** The oldest rules version its logs were loaded under (0: before versions were recorded). */
  rulesVersion: number;
}

/**
 * The dates, among those given, whose event log the ledger holds from a run that completed (a run
 * that published and then failed a quality check does not count: its date is loaded again). With
 * the source, a date also needs each of its logs there now to have the ETag the ledger holds: a log
 * corrected since it was loaded is not loaded (a log gone from the source leaves its date as the
 * ledger says). A warehouse without a ledger yet has loaded none. `stale` are those of them whose
 * logs were loaded under older rules (RULES_VERSION): loaded, but not as this release would.
 */
export async function ledgerDates(warehouse: Warehouse, dates: string[], signal?: AbortSignal, source?: Source): Promise<{ loaded: string[]; stale: StaleDate[] }> {
  if (dates.length === 0 || !(await hasLedger(warehouse, signal))) return { loaded: [], stale: [] };
  const rows = await warehouse.query(sqlStatement('ledger/loaded_events', warehouse.dialect), { signal });
  const ledger = new Map(rows.map((r) => [String(r.source_key), r.etag === null ? null : String(r.etag)]));
  const current = source ? await currentEventLogs(source, dates) : new Map<string, string>();
  const loaded = dates.filter((date) => {
    if (![...ledger.keys()].some((key) => isLogOf(key, date))) return false;
    return [...current].every(([key, etag]) => !isLogOf(key, date) || ledger.get(key) === etag);
  });
  const versions = await eventRulesVersions(warehouse, signal);
  const stale = loaded.flatMap((date) => {
    const oldest = Math.min(...[...ledger.keys()].filter((key) => isLogOf(key, date)).map((key) => versions.get(key) ?? 0));
    return oldest < RULES_VERSION ? [{ date, rulesVersion: oldest }] : [];
  });
  return { loaded, stale };
}

/**
 * The dates ledgerDates says are loaded; with `currentRulesOnly`, less those loaded under older
 * rules (`backfill --only-stale` runs them again).
 */
export async function loadedDates(warehouse: Warehouse, dates: string[], signal?: AbortSignal, source?: Source, currentRulesOnly = false): Promise<string[]> {
  const { loaded, stale } = await ledgerDates(warehouse, dates, signal, source);
  if (!currentRulesOnly) return loaded;
  const older = new Set(stale.map((s) => s.date));
  return loaded.filter((date) => !older.has(date));
}

/** Event log → the rules version it was loaded under, where recorded (none on a warehouse no run of this release has upgraded). */
async function eventRulesVersions(warehouse: Warehouse, signal?: AbortSignal): Promise<Map<string, number>> {
  if (!(await hasTable(warehouse, 'ledger/rules_exist', signal))) return new Map();
  const rows = await warehouse.query(sqlStatement('ledger/event_rules_versions', warehouse.dialect), { signal });
  return new Map(rows.map((r) => [String(r.source_key), Number(r.rules_version)]));
}

/** The event logs of `dates` in the source now, key → ETag: one listing per month. */
async function currentEventLogs(source: Source, dates: string[]): Promise<Map<string, string>> {
  const logs = new Map<string, string>();
  for (const month of new Set(dates.map(eventLogMonthPrefix))) {
    for await (const obj of source.list(month)) logs.set(obj.key, obj.etag);
  }
  return logs;
}

/** Whether the warehouse has a ledger yet (a fresh warehouse has loaded nothing). */
export async function hasLedger(warehouse: Warehouse, signal?: AbortSignal): Promise<boolean> {
  return hasTable(warehouse, 'ledger/exists', signal);
}

/** Whether `probe` (a statement that selects nothing from one table) runs: whether the table exists. */
async function hasTable(warehouse: Warehouse, probe: 'ledger/exists' | 'ledger/rules_exist', signal?: AbortSignal): Promise<boolean> {
  try {
    await warehouse.query(sqlStatement(probe, warehouse.dialect), { signal });
    return true;
  } catch (err) {
    // A cancelled lookup is not a missing ledger.
    if (signal?.aborted) throw err;
    return false;
  }
}
