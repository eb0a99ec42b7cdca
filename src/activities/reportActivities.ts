/** The closing steps: the run's summary (recorded in etl_runs) and the HTML insights report. */
import { describeSource, parseSourceUri, parseWarehouseUri, redactUri, slowStatementSeconds, stagingRetentionDays, warehouseIdentity } from '../config';
import { ETL_DAG } from '../etl/dag';
import { recordedSummary } from '../etl/recordedSummary';
import { RULES_VERSION } from '../etl/versions';
import type { CheckResult, RunRef, RunSummary, RunWindow } from '../etl/types';
import { stagingReconciliationCheckName } from '../quality/checks';
import {
  buildInsights,
  defaultReportDir,
  queryLevelChanges,
  renderHtml,
  reportLocationChoice,
  reportWriteFault,
  writeHtmlReport,
  type LevelChange,
} from '../insights';
import { addedColumnStatements } from '../ledger/addedColumns';
import { recordRunMetrics } from '../metrics/pipeline';
import { engineTraits } from '../warehouse/engineTraits';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Dialect, Warehouse } from '../warehouse/types';
import { utcTimestampText } from '../warehouse/values';
import { clearStagingStatements, recordFailedRunStatements, retentionCutoff } from './clearStaging';
import { dropExpiredStagingPartitions } from '../warehouse/stagingPartitions';
import type { ActivityDeps } from './deps';
import { activitySignal } from './heartbeat';
import { schemaLockStatements, serializedPublish } from './publishLock';
import { queryTimeLog } from './slowStatements';
import { awaitSongplaysSerialPart } from './songplaysSerialPart';

/**
 * The run's rows in each staging table, when both reconciliation checks passed: each check counted
 * them and found exactly the records read minus those rejected, and no step since writes them
 * (src/etl/dag.ts). Null otherwise (a check missing, e.g. in a history from before the checks):
 * then the summary counts them itself. At 8M events that count is a read of every staged event.
 */
export function reconciledStagingCounts(checks: readonly CheckResult[] | undefined, staging: RunSummary['staging']): Record<string, number> | null {
  const counted: Record<string, number> = {};
  for (const [table, stage] of [['staging_events', staging.events], ['staging_songs', staging.songs]] as const) {
    const check = checks?.find((c) => c.name === stagingReconciliationCheckName(table));
    if (check?.status !== 'pass') return null;
    counted[table] = stage.recordsRead - stage.recordsRejected;
  }
  return counted;
}

/** The run's row in etl_runs (sql/etl/record_run.sql), with its summary as etl_runs can keep it. */
export function recordRunStatements(dialect: Dialect, summary: RunSummary, startedAt: number): string[] {
  return sqlStatements('etl/record_run', dialect, {
    run_id: summary.runId,
    window_start: summary.window?.from ?? null,
    window_end: summary.window?.to ?? null,
    source: summary.source,
    started_at: utcTimestampText(startedAt),
    finished_at: utcTimestampText(startedAt + summary.durationMs),
    summary: recordedSummary(summary).json,
  });
}

/**
 * The most of a report error etl_runs keeps: a message names the report's location and the cause
 * in a line or two; this bounds one that quotes more (a response body, a stack).
 */
export const REPORT_ERROR_CHARS = 2000;

/** `message` within REPORT_ERROR_CHARS characters, marked with '…' where it was cut. */
export function cappedReportError(message: string): string {
  const chars = Array.from(message);
  return chars.length <= REPORT_ERROR_CHARS ? message : `${chars.slice(0, REPORT_ERROR_CHARS - 1).join('')}…`;
}

/**
 * The run's rules version (src/etl/versions.ts), recorded with its completion: the ledger counts
 * the run's files from then on, as loaded under these rules. The table is created first for a run
 * that passed createSchema and its listing under a release before it.
 */
function runRulesStatements(warehouse: Warehouse, runId: string): string[] {
  const d = warehouse.dialect;
  return [...schemaLockStatements(warehouse), ...sqlStatements('schema/etl_versions', d), ...sqlStatements('etl/record_run_rules', d, { run_id: runId, rules_version: RULES_VERSION })];
}

export function createReportActivities({ resources, log }: ActivityDeps) {
  /**
   * The expired runs' staging partitions, emptied in the record's transaction, dropped after it
   * (src/warehouse/stagingPartitions.ts). What cannot go now is logged and left to a later run's
   * record: the run is recorded, and an empty partition holds nothing any statement reads.
   */
  async function dropExpiredPartitions(warehouse: Warehouse, runId: string, cutoff: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      const drops = await dropExpiredStagingPartitions(warehouse, cutoff, signal);
      if (drops.dropped.length > 0) log.info({ runId, partitions: drops.dropped }, 'dropped the staging partitions of runs past the retention');
      for (const left of drops.left) log.warn({ runId, partition: left.partition, reason: left.reason }, "left an expired run's emptied staging partition for a later run to drop");
    } catch (err) {
      if (signal?.aborted) throw err;
      log.warn({ runId, error: (err as Error).message }, "could not list the expired runs' staging partitions to drop; a later run drops them");
    }
  }

  return {
    /** Counts the tables, records the run in etl_runs and returns its summary. */
    async summarizeRun(
      ref: RunRef & Omit<RunSummary, 'tables' | 'source' | 'warehouse' | 'status'> & { startedAt: number },
    ): Promise<RunSummary> {
      const warehouse = await resources.warehouse(ref.warehouse);
      const signal = activitySignal();
      const staged = reconciledStagingCounts(ref.checks, ref.staging);
      const count = async (name: 'stats/staging_run_counts' | 'stats/star_counts') =>
        Object.fromEntries((await warehouse.query(sqlStatement(name, warehouse.dialect, { run_id: ref.runId }), { signal })).map((r) => [String(r.table_name), Number(r.row_count)]));
      const tables = { ...(staged ?? (await count('stats/staging_run_counts'))), ...(await count('stats/star_counts')) };
      // The count etl_skipped_files holds: a retried song staging's result lacks the files an
      // earlier attempt skipped and committed (src/staging/skippedSongFiles.ts).
      const [skippedFiles] = await warehouse.query(sqlStatement('stats/skipped_file_count', warehouse.dialect, { run_id: ref.runId }), { signal });
      const summary: RunSummary = {
        workflowId: ref.workflowId,
        runId: ref.runId,
        status: 'completed',
        source: describeSource(parseSourceUri(resources.resolveSourceUri(ref.source))),
        warehouse: redactUri(resources.resolveWarehouseUri(ref.warehouse)),
        window: ref.window,
        tables,
        files: ref.files,
        staging: ref.staging,
        rejected: ref.rejected,
        ...(ref.skipped ? { skipped: { ...ref.skipped, count: Number(skippedFiles.files) } } : {}),
        ...(ref.datesWithoutLog && ref.datesWithoutLog.count > 0 ? { datesWithoutLog: ref.datesWithoutLog } : {}),
        matches: ref.matches,
        checks: ref.checks,
        steps: ref.steps,
        durationMs: ref.durationMs,
      };
      const ended = new Date(ref.startedAt + ref.durationMs);
      await warehouse.execute(
        [
          ...runRulesStatements(warehouse, ref.runId),
          ...recordRunStatements(warehouse.dialect, summary, ref.startedAt),
          ...clearStagingStatements(warehouse.dialect, ended, stagingRetentionDays()),
        ],
        { signal },
      );
      await dropExpiredPartitions(warehouse, ref.runId, retentionCutoff(ended, stagingRetentionDays()), signal);
      recordRunMetrics(summary);
      return summary;
    },

    /**
     * Records a run that fails or is cancelled once it has begun staging (src/workflows/etl.ts): it
     * stages and publishes nothing more, so its staging rows go with the retention
     * (clear_staging_expired.sql), and its publishing mark goes now, so that another run's failing
     * reference checks do not wait for it (publishingRuns.ts).
     */
    async recordFailedRun(ref: RunRef): Promise<void> {
      const warehouse = await resources.warehouse(ref.warehouse);
      await warehouse.execute([...schemaLockStatements(warehouse), ...recordFailedRunStatements(warehouse.dialect, ref.runId, new Date())], { signal: activitySignal() });
    },

    /**
     * Records on the run's etl_runs row why its report was not written (src/workflows/etl.ts): the
     * run stays completed, and whoever reads etl_runs sees that its report is missing. The column is
     * added first where the run's createSchema ran under a release before it (a worker upgraded
     * mid-run).
     */
    async recordReportError(ref: RunRef & { reportError: string }): Promise<void> {
      const warehouse = await resources.warehouse(ref.warehouse);
      const signal = activitySignal();
      const upgrades = await addedColumnStatements(warehouse, ['etl_runs'], signal);
      const record = sqlStatements('etl/record_report_error', warehouse.dialect, { run_id: ref.runId, report_error: cappedReportError(ref.reportError) });
      await warehouse.execute([...(upgrades.length > 0 ? [...schemaLockStatements(warehouse), ...upgrades] : []), ...record], { signal });
    },

    /**
     * The window's level changes per day, from staging: the report's one query of staging, run
     * before summarizeRun may clear the run's staging rows: in the songplays publish's serial part
     * where the engine has one (PostgreSQL), else after the publish (engineTraits.ts).
     */
    async queryLevelChanges(ref: RunRef & { window: RunWindow | null }): Promise<LevelChange[]> {
      const warehouse = await resources.warehouse(ref.warehouse);
      const queryDone = queryTimeLog(log, slowStatementSeconds(), { runId: ref.runId });
      if (engineTraits(warehouse.dialect).levelChangesWaitFor === 'songplays serial part') {
        // Beside the publish's inserts, which keep one core busy, on the other core only: not
        // beside its parallel passes over every play, which had the two cores (songplaysSerialPart.ts).
        await awaitSongplaysSerialPart(ref.runId);
        return queryLevelChanges(warehouse, ref.window, { oneBackend: true, signal: activitySignal(), queryDone });
      }
      // Queued behind the songplays publish, as a write of the same tables would be where the
      // engine serializes them (SerializedWrites): on DuckDB, beside it at 8M events, one of the
      // two ran out of the worker's 128 MiB pool in most runs and was retried (docs/performance-log.md).
      return serializedPublish(warehouse, () => queryLevelChanges(warehouse, ref.window, { signal: activitySignal(), queryDone }), ETL_DAG.loadSongplays.writes);
    },

    /**
     * Writes the insights report for the run's window as one HTML file; returns where it went. The
     * level changes are queried here only when not given (runs recorded before queryLevelChanges).
     */
    async writeReport(ref: RunRef & { workflowId: string; window: RunWindow | null; reportTo?: string; levelChanges?: LevelChange[] }): Promise<string> {
      const queryDone = queryTimeLog(log, slowStatementSeconds(), { runId: ref.runId });
      const report = await buildInsights(await resources.warehouse(ref.warehouse), ref.window, { levelChanges: ref.levelChanges, signal: activitySignal(), queryDone });
      const uri = resources.resolveWarehouseUri(ref.warehouse);
      const warehouse = parseWarehouseUri(uri);
      const to = resources.resolveReportLocation(ref.reportTo, () => defaultReportDir(warehouse, resources.options.reportDir));
      try {
        // Named for the warehouse too where another warehouse's reports share the directory (write.ts).
        return await writeHtmlReport(renderHtml(report), { to, id: ref.workflowId, warehouse: warehouseIdentity(uri), s3: resources.options.s3 });
      } catch (err) {
        throw reportWriteFault(err, to, reportLocationChoice(ref.reportTo, warehouse));
      }
    },
  };
}
