/**
 * The steps up to the staged tables: the schema, the run's file list, staging events and songs,
 * and the ledger lookup backfills use to skip loaded dates.
 */
import { ApplicationFailure } from '@temporalio/common';
import { redactUri } from '../config';
import { ERROR_TYPES } from '../errors';
import type { ListedFiles, RecordKind, RunRef, RunWindow, StageResult } from '../etl/types';
import { newerWarehouseProblem, recordedSchemaVersion, recordSchemaVersionStatements } from '../ledger/warehouseVersions';
import { addedColumnStatements, TABLES_WITH_ADDED_COLUMNS } from '../ledger/addedColumns';
import { loadedDates } from '../ledger/loaded';
import { requireUtf8Database } from '../warehouse/databaseEncoding';
import { sqlStatements } from '../warehouse/sql';
import { stagingUpgradeStatements } from '../warehouse/stagingPartitions';
import type { ActivityDeps } from './deps';
import { listedKeys } from './ledger';
import { activitySignal } from './heartbeat';
import type { ListingPart } from './listing';
import { listRunFiles } from './runFileList';
import { schemaLockStatements } from './publishLock';
import { serverStaging, stageOnServer } from './serverStaging';
import { checkRejectRate, stageFromClient } from './staging';
import { rejectEventsWithBadLevel } from './eventLevels';
import { rejectSongFilesWithoutRecords } from './songFilesWithoutRecords';
import { checkLogsStaged } from './unreadableLogs';
import { collectGarbage } from '../util/heapRelease';
import { hasChunkedStaging, type Warehouse } from '../warehouse/types';
import type { Source } from '../source';
import { recordAbandonedRuns } from '../ledger/abandonedRuns';
import { workerClient } from './workerClient';

/** Schema files in dependency order: `sql/schema/<name>.sql`. */
export const SCHEMA_FILES = ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time', 'etl_tables', 'etl_skipped_files', 'etl_attempt_fence', 'etl_file_counts', 'etl_play_names', 'etl_cross_day_plays', 'etl_versions', 'etl_song_files', 'etl_failed_runs', 'etl_abandoned_runs', 'etl_unknown_runs'];

/**
 * Whether staging reads each song file whole and skips those it cannot stage itself (the worker's
 * staging into DuckDB or PostgreSQL, src/staging/skippedSongFiles.ts), so the listing need not probe
 * them. Redshift's staging does not: its COPY reads the files.
 */
export function songFilesProbedByStaging(warehouse: Warehouse, source: Source): boolean {
  return !serverStaging(warehouse, source) && hasChunkedStaging(warehouse);
}

export function createStagingActivities({ resources, log }: ActivityDeps) {
  async function stage(ref: RunRef & { maxRejectRate: number }, kind: RecordKind): Promise<StageResult> {
    const warehouse = await resources.warehouse(ref.warehouse);
    const keys = await listedKeys(warehouse, ref.runId, kind, { signal: activitySignal() });
    const source = resources.source(ref.source);
    const options = { runId: ref.runId, kind, keys, warehouse };
    const server = serverStaging(warehouse, source);
    const staged = server
      ? await stageOnServer({ ...options, ...server, s3: resources.options.s3 })
      : await stageFromClient({ ...options, source });
    const signal = activitySignal();
    const result =
      kind === 'songs' ? await rejectSongFilesWithoutRecords(warehouse, ref.runId, staged, signal) : await rejectEventsWithBadLevel(warehouse, ref.runId, staged, signal);
    log.info({ runId: ref.runId, ...result, rejectSamples: undefined }, `staged ${kind}`);
    // Once, over the staging path's rejects and those of the rules after it.
    checkRejectRate(result, ref.maxRejectRate);
    await checkLogsStaged(warehouse, ref.runId, result, ref.maxRejectRate, signal);
    return result;
  }

  /** recordAbandonedRuns for the run `runId`, through the worker's client; its failure is logged, not the run's. */
  async function recordAbandonedRunsBeside(warehouse: Warehouse, runId: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await recordAbandonedRuns({ warehouse, client: workerClient(), foundBy: runId, log, signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      log.warn({ runId, error: (err as Error).message }, 'could not record the runs that closed without recording their outcome; the next run tries again');
    }
  }

  async function listPart(ref: RunRef & { window: RunWindow | null }, part: ListingPart): Promise<ListedFiles> {
    const source = resources.source(ref.source);
    const warehouse = await resources.warehouse(ref.warehouse);
    // In batches, each recorded before the next is listed (runFileList.ts): memory is one batch.
    const listed = await listRunFiles({ source, warehouse, runId: ref.runId, window: ref.window, part, probeSongFiles: !songFilesProbedByStaging(warehouse, source) });
    for (const file of listed.skippedSamples ?? []) log.warn({ runId: ref.runId, sourceKey: file.sourceKey }, `skipped: ${file.reason}`);
    collectGarbage();
    return listed;
  }

  return {
    /**
     * Creates every table that does not exist yet and records this release's schema version; safe
     * to run any number of times. A database that does not keep text as UTF-8, and a warehouse a
     * newer release built, are refused first, before anything is written (src/etl/versions.ts); an
     * older warehouse is upgraded in place.
     */
    async createSchema(ref: { warehouse: string; runId?: string }): Promise<void> {
      const warehouse = await resources.warehouse(ref.warehouse);
      const signal = activitySignal();
      await requireUtf8Database(warehouse, signal);
      const problem = newerWarehouseProblem(await recordedSchemaVersion(warehouse, signal), redactUri(resources.resolveWarehouseUri(ref.warehouse)));
      if (problem) throw ApplicationFailure.nonRetryable(problem, ERROR_TYPES.warehouseNewer);
      const statements = SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect));
      const upgrades = await addedColumnStatements(warehouse, TABLES_WITH_ADDED_COLUMNS, signal);
      // A staging_events of one table (schema version 2) becomes one partitioned by run (src/warehouse/stagingPartitions.ts).
      const staging = stagingUpgradeStatements(warehouse.dialect);
      await warehouse.execute(
        [...schemaLockStatements(warehouse), ...staging.before, ...statements, ...staging.after, ...upgrades, ...recordSchemaVersionStatements(warehouse, new Date())],
        { signal },
      );
      // A run's first step: the runs before it that closed without saying so are recorded now.
      if (ref.runId) await recordAbandonedRunsBeside(warehouse, ref.runId, signal);
    },

    /**
     * Lists the window's event logs and all song files, records them as the run's file list, and
     * records every other file listed as skipped, with the reason (src/activities/listing.ts).
     */
    async listSourceFiles(ref: RunRef & { window: RunWindow | null }): Promise<ListedFiles> {
      return listPart(ref, 'all');
    },

    /**
     * listSourceFiles for the event logs only: stageEvents can start once they are listed, while
     * listSongFiles goes on beside it.
     */
    async listEventFiles(ref: RunRef & { window: RunWindow | null }): Promise<ListedFiles> {
      return listPart(ref, 'events');
    },

    /** listSourceFiles for the song files (and, without a window, every file outside log_data/). */
    async listSongFiles(ref: RunRef & { window: RunWindow | null }): Promise<ListedFiles> {
      return listPart(ref, 'songs');
    },

    async stageEvents(ref: RunRef & { maxRejectRate: number }): Promise<StageResult> {
      return stage(ref, 'events');
    },

    async stageSongs(ref: RunRef & { maxRejectRate: number }): Promise<StageResult> {
      const staged = await stage(ref, 'songs');
      // Its garbage would otherwise stay resident under stageEvents (src/util/heapRelease.ts).
      collectGarbage();
      return staged;
    },

    /**
     * The dates, among those given, whose event log the load ledger holds (for backfill
     * --only-missing), unchanged in the source since (given `source`, or the worker's default);
     * with `currentRulesOnly` (--only-stale), loaded under this release's rules.
     */
    async loadedDates(ref: { warehouse: string; dates: string[]; source?: string; currentRulesOnly?: boolean }): Promise<string[]> {
      return loadedDates(await resources.warehouse(ref.warehouse), ref.dates, activitySignal(), resources.source(ref.source), ref.currentRulesOnly ?? false);
    },
  };
}
