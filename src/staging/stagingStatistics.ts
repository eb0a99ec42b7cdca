import { engineTraits } from '../warehouse/engineTraits';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import { stagingEventsPartition } from '../warehouse/stagingPartitions';
import type { Dialect, Warehouse } from '../warehouse/types';
import type { RecordKind } from '../etl/types';

/**
 * The ANALYZE a run's staging ends with. Where staging_events has a partition per run (PostgreSQL),
 * an ANALYZE of the whole table samples every retained partition again as well as the table (a
 * night after a 29-day load of 1.6M events: 0.9-1.0 s, against 0.2 s for the night's partition;
 * docs/performance-log.md). The run's statements need their partition's statistics every time; the
 * whole table's (from which PostgreSQL estimates their groupings) only when they no longer stand
 * for the table: gathered never, more than WHOLE_STATISTICS_MAX_AGE_SECONDS ago, or for a table
 * whose rows have since changed by more than WHOLE_STATISTICS_MAX_DRIFT of them.
 */
export const WHOLE_STATISTICS_MAX_AGE_SECONDS = 7 * 24 * 3600;
export const WHOLE_STATISTICS_MAX_DRIFT = 0.2;

/** sql/staging/postgres/whole_staging_statistics.sql's row. */
export interface WholeStagingStatistics {
  /** The table's rows at its last whole ANALYZE; null if it has no statistics of the whole table. */
  analyzedRows: number | null;
  analyzedSecondsAgo: number | null;
  /** The rows of the other runs' partitions. */
  otherRows: number;
}

/** Whether a run that staged `runRows` rows analyzes the whole table, not only its partition. */
export function analyzesWholeTable(statistics: WholeStagingStatistics, runRows: number): boolean {
  const { analyzedRows, analyzedSecondsAgo, otherRows } = statistics;
  if (analyzedRows === null || analyzedRows <= 0 || analyzedSecondsAgo === null) return true;
  if (analyzedSecondsAgo > WHOLE_STATISTICS_MAX_AGE_SECONDS) return true;
  return Math.abs(otherRows + runRows - analyzedRows) > WHOLE_STATISTICS_MAX_DRIFT * analyzedRows;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** sql/staging/postgres/whole_staging_statistics.sql's row, read. */
export function wholeStagingStatisticsOf(row: Record<string, unknown>): WholeStagingStatistics {
  return { analyzedRows: num(row.analyzed_rows), analyzedSecondsAgo: num(row.analyzed_seconds_ago), otherRows: num(row.other_rows) ?? 0 };
}

/** The ANALYZE statements of a PostgreSQL run that staged `runRows` events, by the rule above. */
export function eventsAnalyzeStatements(dialect: Dialect, runId: string, statistics: WholeStagingStatistics, runRows: number): string[] {
  return analyzesWholeTable(statistics, runRows)
    ? sqlStatements('staging/analyze_events', dialect)
    : sqlStatements('staging/postgres/analyze_run_events', dialect, { partition: stagingEventsPartition(runId) });
}

/**
 * Before the run stages `kind`: the statements its staging transaction ends with, given the rows it
 * staged. Read here, before the transaction, as the rule needs the table as the other runs left it.
 */
export async function analyzeAfterStaging(warehouse: Warehouse, runId: string, kind: RecordKind, signal?: AbortSignal): Promise<(runRows: number) => string[]> {
  const d = warehouse.dialect;
  const traits = engineTraits(d);
  if (!traits.analyzesStaging) return () => [];
  const whole = sqlStatements(`staging/analyze_${kind}`, d);
  if (kind !== 'events' || !traits.partitionsStagingByRun) return () => whole;
  const [row] = await warehouse.query(sqlStatement('staging/postgres/whole_staging_statistics', d, { partition: stagingEventsPartition(runId) }), { signal });
  // No row: staging_events is still of one table (a run begun under the release before); analyzed whole.
  if (!row) return () => whole;
  const statistics = wholeStagingStatisticsOf(row);
  return (runRows) => eventsAnalyzeStatements(d, runId, statistics, runRows);
}
