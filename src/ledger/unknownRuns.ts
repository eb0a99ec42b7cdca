/**
 * Runs with no recorded outcome that Temporal does not know: closed longer ago than the namespace's
 * retention, run on another server or namespace, or an embedded run whose process was killed. Such
 * a run cannot be told from one still going on another server, so no run records it by itself: an
 * operator who knows it is gone says so (`sparkify runs cleanup --abandon`). Until then each run
 * that finds it unknown counts it in etl_unknown_runs (first found when and by which run, last
 * found, how many times), so that only the run that finds it first logs it, and `sparkify runs
 * cleanup` and `sparkify doctor` can say since when it waits. Each run still asks about it, in the
 * visibility query it makes for the other runs anyway (a run Temporal does not list costs no
 * describe): the answer can change, as when a worker pointed at the wrong namespace is pointed back.
 */
import { listPartStatements, listParts } from '../warehouse/listParts';
import { sqlStatement, sqlStatements, type SqlNameArg } from '../warehouse/sql';
import { hasWriteLocking, type Row, type Warehouse } from '../warehouse/types';
import { timestampTextToIso, utcTimestampText } from '../warehouse/values';

/**
 * Most run ids one statement names, whatever the warehouse; fewer on Redshift, where a statement
 * fits in 100 KB (listParts): a listing of thousands of runs asks about them in parts.
 */
export const RUN_IDS_PER_STATEMENT = 10_000;

export interface UnknownRun {
  runId: string;
  /** When a run first found Temporal did not know it, ISO-8601 UTC. */
  firstFoundAt: string;
  /** The run that found it first (its run id), or `sparkify runs cleanup`. */
  firstFoundBy: string;
  lastFoundAt: string;
  /** How many runs (and cleanups) found it unknown. */
  timesFound: number;
}

/** The rows of `sql/<name>.sql` for `runIds`, asked about in parts that fit the warehouse (listPartStatements). */
export async function queryByRunIds<N extends string>(warehouse: Warehouse, name: SqlNameArg<N>, runIds: readonly string[], signal?: AbortSignal): Promise<Row[]> {
  const rows: Row[] = [];
  for (const statement of listPartStatements(warehouse, name, runIds, { param: 'run_ids', count: RUN_IDS_PER_STATEMENT })) {
    rows.push(...(await warehouse.query(statement, { signal })));
  }
  return rows;
}

/** What etl_unknown_runs keeps of `runIds` (those it has no row for are left out). */
export async function readUnknownRuns(warehouse: Warehouse, runIds: readonly string[], signal?: AbortSignal): Promise<UnknownRun[]> {
  const rows = await queryByRunIds(warehouse, 'etl/unknown_runs', runIds, signal);
  return rows.map((row) => ({
    runId: String(row.run_id),
    firstFoundAt: timestampTextToIso(String(row.first_found_at)),
    firstFoundBy: String(row.first_found_by),
    lastFoundAt: timestampTextToIso(String(row.last_found_at)),
    timesFound: Number(row.times_found),
  })).sort((a, b) => a.firstFoundAt.localeCompare(b.firstFoundAt) || a.runId.localeCompare(b.runId));
}

/**
 * Counts `runIds` (runs Temporal did not know just now) as found unknown by `foundBy` at `now`, and
 * says which `foundBy` found first; the rows of runs found unknown before that have an outcome now
 * go. Costs two reads, an update and a delete of etl_unknown_runs (a row per such run; the delete
 * reads the records of runs), and, only in the run that finds one first, an insert that reads its
 * file list. The runs are counted and added a part at a time (listParts), each part in a
 * transaction of its own: on Redshift a part holds some 800 run ids and a batch of the Data API (a
 * transaction) at most 40 statements, so some 15,000 runs did not fit one. A run's count and
 * its first finding are in the same transaction.
 */
export async function recordUnknownRuns(
  warehouse: Warehouse,
  runIds: readonly string[],
  foundBy: string,
  now: Date,
  signal?: AbortSignal,
): Promise<{ runs: UnknownRun[]; foundFirst: UnknownRun[] }> {
  if (runIds.length === 0) return { runs: [], foundFirst: [] };
  const d = warehouse.dialect;
  // Under the schema lock, as the abandoned runs' records: two runs finding a run at once add one row.
  const schemaLock = hasWriteLocking(warehouse) ? warehouse.schemaLockStatements() : [];
  // createSchema made it; `sparkify runs cleanup` may meet a warehouse an older release built.
  await warehouse.execute([...schemaLock, ...sqlStatements('schema/etl_unknown_runs', d)], { signal });
  const known = new Set((await readUnknownRuns(warehouse, runIds, signal)).map((r) => r.runId));
  const found = { found_at: utcTimestampText(now), found_by: foundBy };
  // Parts by the insert, which names its runs more often than the count does: both fit the size limit.
  const parts = listParts(warehouse, 'etl/record_unknown_runs', runIds, { param: 'run_ids', params: found, count: RUN_IDS_PER_STATEMENT });
  for (const [index, part] of parts.entries()) {
    const partNew = part.filter((id) => !known.has(id));
    await warehouse.execute(
      [
        ...schemaLock,
        ...(index === 0 ? sqlStatements('etl/forget_recorded_unknown_runs', d) : []),
        sqlStatement('etl/count_unknown_runs', d, { found_at: found.found_at, run_ids: part }),
        ...(partNew.length > 0 ? [sqlStatement('etl/record_unknown_runs', d, { ...found, run_ids: partNew })] : []),
      ],
      { signal },
    );
  }
  const runs = await readUnknownRuns(warehouse, runIds, signal);
  return { runs, foundFirst: runs.filter((r) => !known.has(r.runId) && r.firstFoundBy === foundBy) };
}

/** `<run id> (unknown to Temporal since <first found>, found by <run>; <n> time(s))`, for messages. */
export function describeUnknownRun(runId: string, kept: readonly UnknownRun[]): string {
  const run = kept.find((r) => r.runId === runId);
  if (!run) return runId;
  return `${runId} (found unknown first at ${run.firstFoundAt} by ${run.firstFoundBy}, ${run.timesFound} time(s) in all)`;
}
