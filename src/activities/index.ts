import { ApplicationFailure } from '@temporalio/common';
import { describeSource, parseSourceUri, parseWarehouseUri, redactUri } from '../config';
import { matchKey, repairText, repairUserAgent } from '../etl/textRepair';
import type {
  CheckDefinition,
  CheckResult,
  ListedFiles,
  MatchStats,
  RecordKind,
  RepairResult,
  RunRef,
  RunSummary,
  RunWindow,
  StageResult,
} from '../etl/types';
import { buildInsights, defaultReportDir, renderHtml, reportFileName, writeHtmlReport } from '../insights';
import { datesBetween } from '../etl/dates';
import type { Logger } from '../log';
import { qualityChecks } from '../quality/checks';
import { describeFailure, runCheck } from '../quality/runner';
import type { SourceObject } from '../source';
import { sqlStatement, sqlStatements, type SqlParam } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { fenceCurrentAttempt, fencedAppendRows, fencedOutFailure, isFencedOut } from './fence';
import { hasLedger, loadedDates, recordLedgerStatements, recordRunFiles, songFilesToLoad } from './ledger';
import { dropUnreadable, listSource, SKIPPED_SAMPLE_LIMIT } from './listing';
import { stagedDataChecks } from './stagedChecks';
import { z } from 'zod';
import { checkDefinitionSchema, INVALID_INPUT } from '../workflows/inputs';
import { createNotifyActivities } from './notify';
import { recordRunMetrics } from '../metrics/pipeline';
import { lockStatements, PUBLISH_TABLES, schemaLockStatements, serializedPublish } from './publishLock';
import type { Resources } from './resources';
import { clearStagingStatements, stagingRetentionDays } from './clearStaging';
import { serverStaging, stageOnServer } from './serverStaging';
import { activityStatementOptions, heartbeat, stageFromClient, whileHeartbeating } from './staging';

export interface ActivityDeps {
  resources: Resources;
  log: Logger;
}

/** Schema files in dependency order: `sql/schema/<name>.sql`. */
const SCHEMA_FILES = ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time', 'etl_tables', 'etl_attempt_fence', 'etl_file_counts'];

const EVENT_LOG_NAME = /\/(\d{4}-\d{2}-\d{2})-events\.json$/;

/**
 * Runs a SQL file and names it in the error, so a failure says where the SQL lives. SQL errors
 * are not retried: running the same statement again would fail the same way.
 */
async function runSqlFile(
  warehouse: Warehouse,
  name: string,
  params: Record<string, SqlParam>,
  after: string[] = [],
): Promise<void> {
  try {
    // A superseded attempt of this step cannot commit (fence.ts).
    const fence = await fenceCurrentAttempt(warehouse);
    // Publishes of different dates may run at once: each locks its tables first (publishLock.ts).
    const statements = [...fence, ...lockStatements(warehouse, PUBLISH_TABLES[name] ?? []), ...sqlStatements(name, warehouse.dialect, params), ...after];
    await whileHeartbeating({ sql: name }, () =>
      serializedPublish(warehouse, () => warehouse.execute(statements, { ...activityStatementOptions(), key: `sql/${name}` })),
    );
  } catch (err) {
    throw asSqlFailure(err, name);
  }
}

function asSqlFailure(err: unknown, name: string): unknown {
  if (isFencedOut(err)) return fencedOutFailure(err);
  if ((err as Error).name === 'SqlError') {
    return ApplicationFailure.nonRetryable(`sql/${name}.sql failed: ${(err as Error).message}`, 'SqlError');
  }
  return err;
}

/** Stores a run's check results, replacing what an earlier attempt stored. */
async function storeCheckResults(warehouse: Warehouse, runId: string, results: CheckResult[]): Promise<void> {
  await fencedAppendRows(
    warehouse,
    'etl_quality_results',
    ['run_id', 'check_name', 'severity', 'status', 'failing_count', 'sample_keys', 'description'],
    results.map((r) => [runId, r.name, r.severity, r.status, r.failingCount, r.sampleKeys.join(', '), r.description]),
    { deleteFirst: sqlStatement('etl/clear_quality_results', warehouse.dialect, { run_id: runId }) },
  );
}

export function createActivities({ resources, log }: ActivityDeps) {
  const warehouseFor = (ref: { warehouse: string }) => resources.warehouse(ref.warehouse);

  async function runFileKeys(warehouse: Warehouse, runId: string, kind: RecordKind): Promise<string[]> {
    const rows = await warehouse.query(sqlStatement('etl/run_file_keys', warehouse.dialect, { run_id: runId, kind }));
    return rows.map((r) => String(r.source_key));
  }

  async function listedEventDates(warehouse: Warehouse, runId: string): Promise<string[]> {
    const keys = await runFileKeys(warehouse, runId, 'events');
    return [...new Set(keys.map((key) => EVENT_LOG_NAME.exec(key)?.[1]).filter((d): d is string => d !== undefined))];
  }

  async function stage(ref: RunRef & { maxRejectRate: number }, kind: RecordKind): Promise<StageResult> {
    const warehouse = await warehouseFor(ref);
    const keys = await runFileKeys(warehouse, ref.runId, kind);
    const source = resources.source(ref.source);
    const options = { runId: ref.runId, kind, keys, warehouse, maxRejectRate: ref.maxRejectRate };
    const server = serverStaging(warehouse, source);
    const result = server
      ? await stageOnServer({ ...options, ...server, s3: resources.options.s3 })
      : await stageFromClient({ ...options, source });
    log.info({ runId: ref.runId, ...result, rejectSamples: undefined }, `staged ${kind}`);
    return result;
  }

  return {
    ...createNotifyActivities({ log }),
    /** Creates every table that does not exist yet; safe to run any number of times. */
    async createSchema(ref: { warehouse: string }): Promise<void> {
      const warehouse = await warehouseFor(ref);
      const statements = SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect));
      await warehouse.execute([...schemaLockStatements(warehouse), ...statements]);
    },

    /**
     * Lists the window's event logs and all song files, records them as the run's file list, and
     * records every other file listed as skipped, with the reason (src/activities/listing.ts).
     */
    async listSourceFiles(ref: RunRef & { window: RunWindow | null }): Promise<ListedFiles> {
      const source = resources.source(ref.source);
      const warehouse = await warehouseFor(ref);
      const listing = await listSource(source, ref.window, (listed) => heartbeat({ listed }));
      // Song files are loaded once per ETag: those the ledger holds unchanged are not staged again.
      const songsToLoad = await whileHeartbeating({ step: 'ledger' }, () => songFilesToLoad(warehouse, listing.songs), 1000);
      const skipped = listing.skipped;
      const probed = (n: number) => heartbeat({ probed: n });
      const events = await dropUnreadable(source, listing.events, skipped, probed);
      const songs = await dropUnreadable(source, songsToLoad, skipped, probed);
      await whileHeartbeating({ step: 'recording the file list' }, () => recordRunFiles(warehouse, ref.runId, { events, songs, skipped }), 1000);
      for (const file of skipped.slice(0, SKIPPED_SAMPLE_LIMIT)) log.warn({ runId: ref.runId, sourceKey: file.sourceKey }, `skipped: ${file.reason}`);
      const bytes = (list: SourceObject[]) => list.reduce((sum, o) => sum + o.size, 0);
      return {
        eventFiles: events.length,
        songFiles: songs.length,
        eventBytes: bytes(events),
        songBytes: bytes(songs),
        songFilesUnchanged: listing.songs.length - songsToLoad.length,
        skippedFiles: skipped.length,
        skippedSamples: skipped.slice(0, SKIPPED_SAMPLE_LIMIT),
      };
    },

    async stageEvents(ref: RunRef & { maxRejectRate: number }): Promise<StageResult> {
      return stage(ref, 'events');
    },

    async stageSongs(ref: RunRef & { maxRejectRate: number }): Promise<StageResult> {
      return stage(ref, 'songs');
    },

    /** Repairs the run's distinct free-text values once, in the worker, for every engine alike. */
    async repairText(ref: RunRef): Promise<RepairResult> {
      const warehouse = await warehouseFor(ref);
      const candidates = await warehouse.query(sqlStatement('transform/text_candidates', warehouse.dialect, { run_id: ref.runId }));
      let repairedValues = 0;
      const rows = candidates.map((row) => {
        const raw = String(row.raw);
        const repaired = row.kind === 'user_agent' ? repairUserAgent(raw) : repairText(raw);
        if (repaired !== raw) repairedValues++;
        return [ref.runId, String(row.kind), raw, repaired, matchKey(raw)];
      });
      await fencedAppendRows(warehouse, 'etl_text_repairs', ['run_id', 'kind', 'raw', 'repaired', 'match_key'], rows, {
        deleteFirst: sqlStatement('etl/clear_text_repairs', warehouse.dialect, { run_id: ref.runId }),
      });
      return { distinctValues: rows.length, repairedValues };
    },

    async loadSongs(ref: RunRef): Promise<void> {
      await runSqlFile(await warehouseFor(ref), 'transform/songs', { run_id: ref.runId });
    },

    async loadArtists(ref: RunRef): Promise<void> {
      await runSqlFile(await warehouseFor(ref), 'transform/artists', { run_id: ref.runId });
    },

    async loadUsers(ref: RunRef): Promise<void> {
      await runSqlFile(await warehouseFor(ref), 'transform/users', { run_id: ref.runId });
    },

    async loadTime(ref: RunRef): Promise<void> {
      await runSqlFile(await warehouseFor(ref), 'transform/time', { run_id: ref.runId });
    },

    /**
     * Publishes the run's plays, replacing its days, and records its files in the load ledger in
     * the same transaction; then reports how the plays matched songs.
     */
    async loadSongplays(ref: RunRef & { durationTolerance: number; window?: RunWindow | null }): Promise<MatchStats> {
      const warehouse = await warehouseFor(ref);
      const days = ref.window ? datesBetween(ref.window.from, ref.window.to) : await listedEventDates(warehouse, ref.runId);
      await runSqlFile(
        warehouse,
        'transform/songplays',
        { run_id: ref.runId, duration_tolerance: ref.durationTolerance, days: days.length > 0 ? days : null },
        recordLedgerStatements(warehouse, ref.runId, new Date()),
      );
      const [stats] = await warehouse.query(sqlStatement('stats/match_stats', warehouse.dialect, { run_id: ref.runId }));
      const [anonymous] = await warehouse.query(sqlStatement('stats/plays_without_user', warehouse.dialect, { run_id: ref.runId }));
      const plays = Number(stats.plays);
      const repairedMatches = Number(stats.repaired_matches);
      return {
        plays,
        strictMatches: Number(stats.strict_matches),
        repairedMatches,
        matchRate: plays === 0 ? 0 : repairedMatches / plays,
        playsWithoutUser: Number(anonymous.plays_without_user),
      };
    },

    /**
     * Runs every declared check (and any extra ones), stores the results with the run id, and fails
     * the run, without retry, when an error-level check fails.
     */
    async runQualityChecks(
      ref: RunRef & {
        staging: { events: StageResult; songs: StageResult };
        matches: MatchStats;
        matchRateWarnBelow: number;
        failOnEmpty: boolean;
        extraChecks: CheckDefinition[];
      },
    ): Promise<CheckResult[]> {
      const warehouse = await warehouseFor(ref);
      // Checked again here (the workflow checks its input): extra checks reach SQL only through declared names.
      const extra = z.array(checkDefinitionSchema).safeParse(ref.extraChecks);
      if (!extra.success) throw ApplicationFailure.nonRetryable(`extraChecks: ${extra.error.issues[0].path.join('.')}: ${extra.error.issues[0].message}`, INVALID_INPUT);
      const checks = [...qualityChecks({ matchRateWarnBelow: ref.matchRateWarnBelow, failOnEmpty: ref.failOnEmpty }), ...ref.extraChecks];
      const results: CheckResult[] = [];
      for (const check of checks) {
        results.push(await runCheck(warehouse, check, { runId: ref.runId, staging: ref.staging, matches: ref.matches }));
        heartbeat({ checked: results.length });
      }
      await storeCheckResults(warehouse, ref.runId, results);
      const failed = results.filter((r) => r.severity === 'error' && r.status === 'fail');
      if (failed.length > 0) {
        throw ApplicationFailure.nonRetryable(failed.map(describeFailure).join('; '), 'QualityCheckFailed', results);
      }
      for (const warning of results.filter((r) => r.status === 'fail')) log.warn({ runId: ref.runId }, describeFailure(warning));
      return results;
    },

    /**
     * Before anything is published: the error-level checks on the staged data alone (staging
     * reconciles with the source; with failOnEmpty, the run has events). Fails the run, without
     * retry, when one fails, so a run that cannot pass them publishes nothing.
     */
    async checkStagedData(ref: RunRef & { staging: { events: StageResult; songs: StageResult }; failOnEmpty: boolean }): Promise<CheckResult[]> {
      const warehouse = await warehouseFor(ref);
      const noMatches: MatchStats = { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 };
      const results: CheckResult[] = [];
      for (const check of stagedDataChecks({ failOnEmpty: ref.failOnEmpty })) {
        results.push(await whileHeartbeating({ check: check.name }, () => runCheck(warehouse, check, { runId: ref.runId, staging: ref.staging, matches: noMatches }), 1000));
      }
      const failed = results.filter((r) => r.status === 'fail');
      if (failed.length > 0) {
        // Kept with the run id like every check result (the full check step, had it run, would replace them).
        await storeCheckResults(warehouse, ref.runId, results);
        throw ApplicationFailure.nonRetryable(`${failed.map(describeFailure).join('; ')} (before publishing: nothing was published)`, 'QualityCheckFailed', results);
      }
      return results;
    },

    /** The dates, among those given, whose event log the load ledger holds (for backfill --only-missing). */
    async loadedDates(ref: { warehouse: string; dates: string[] }): Promise<string[]> {
      const warehouse = await warehouseFor(ref);
      return (await hasLedger(warehouse)) ? loadedDates(warehouse, ref.dates) : [];
    },

    /** Counts the tables, records the run in etl_runs and returns its summary. */
    async summarizeRun(
      ref: RunRef & Omit<RunSummary, 'tables' | 'source' | 'warehouse' | 'status'> & { startedAt: number },
    ): Promise<RunSummary> {
      const warehouse = await warehouseFor(ref);
      const counts = await warehouse.query(sqlStatement('stats/table_counts', warehouse.dialect, { run_id: ref.runId }));
      const tables = Object.fromEntries(counts.map((r) => [String(r.table_name), Number(r.row_count)]));
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
        ...(ref.skipped ? { skipped: ref.skipped } : {}),
        matches: ref.matches,
        checks: ref.checks,
        steps: ref.steps,
        durationMs: ref.durationMs,
      };
      const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
      await warehouse.execute([
        ...sqlStatements('etl/record_run', warehouse.dialect, {
          run_id: ref.runId,
          window_start: ref.window?.from ?? null,
          window_end: ref.window?.to ?? null,
          source: summary.source,
          started_at: ts(ref.startedAt),
          finished_at: ts(ref.startedAt + ref.durationMs),
          summary: JSON.stringify(summary),
        }),
        ...clearStagingStatements(warehouse.dialect, new Date(ref.startedAt + ref.durationMs), stagingRetentionDays()),
      ]);
      recordRunMetrics(summary);
      return summary;
    },

    /** Writes the insights report for the run's window as one HTML file; returns where it went. */
    async writeReport(ref: RunRef & { workflowId: string; window: RunWindow | null; reportTo?: string }): Promise<string> {
      const report = await buildInsights(await warehouseFor(ref), ref.window);
      return writeHtmlReport(renderHtml(report), {
        to: resources.resolveReportLocation(ref.reportTo, () =>
          defaultReportDir(parseWarehouseUri(resources.resolveWarehouseUri(ref.warehouse)), resources.options.reportDir),
        ),
        fileName: reportFileName(ref.workflowId),
        s3: resources.options.s3,
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
