/**
 * The steps up to the staged tables: the schema, the run's file list, staging events and songs,
 * and the ledger lookup backfills use to skip loaded dates.
 */
import type { ListedFiles, RecordKind, RunRef, RunWindow, StageResult } from '../etl/types';
import { loadedDates, songFilesToLoad } from '../ledger/loaded';
import type { SourceObject } from '../source';
import { sqlStatements } from '../warehouse/sql';
import type { ActivityDeps } from './deps';
import { heartbeat, whileHeartbeating } from './heartbeat';
import { recordRunFiles, runFileKeys } from './ledger';
import { atMostEvery, dropUnreadable, listSource, SKIPPED_SAMPLE_LIMIT } from './listing';
import { schemaLockStatements } from './publishLock';
import { serverStaging, stageOnServer } from './serverStaging';
import { stageFromClient } from './staging';

/** How often the listing heartbeats its progress (files listed, files probed). */
const PROGRESS_INTERVAL_MS = 250;

/** Schema files in dependency order: `sql/schema/<name>.sql`. */
const SCHEMA_FILES = ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time', 'etl_tables', 'etl_attempt_fence', 'etl_file_counts', 'etl_play_names'];

export function createStagingActivities({ resources, log }: ActivityDeps) {
  async function stage(ref: RunRef & { maxRejectRate: number }, kind: RecordKind): Promise<StageResult> {
    const warehouse = await resources.warehouse(ref.warehouse);
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
    /** Creates every table that does not exist yet; safe to run any number of times. */
    async createSchema(ref: { warehouse: string }): Promise<void> {
      const warehouse = await resources.warehouse(ref.warehouse);
      const statements = SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect));
      await warehouse.execute([...schemaLockStatements(warehouse), ...statements]);
    },

    /**
     * Lists the window's event logs and all song files, records them as the run's file list, and
     * records every other file listed as skipped, with the reason (src/activities/listing.ts).
     */
    async listSourceFiles(ref: RunRef & { window: RunWindow | null }): Promise<ListedFiles> {
      const source = resources.source(ref.source);
      const warehouse = await resources.warehouse(ref.warehouse);
      const listing = await listSource(source, ref.window, atMostEvery(PROGRESS_INTERVAL_MS, (listed: number) => heartbeat({ listed })));
      // Song files are loaded once per ETag: those the ledger holds unchanged are not staged again.
      const songsToLoad = await whileHeartbeating({ step: 'ledger' }, () => songFilesToLoad(warehouse, listing.songs), 1000);
      const skipped = listing.skipped;
      const probed = atMostEvery(PROGRESS_INTERVAL_MS, (n: number) => heartbeat({ probed: n }));
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

    /** The dates, among those given, whose event log the load ledger holds (for backfill --only-missing). */
    async loadedDates(ref: { warehouse: string; dates: string[] }): Promise<string[]> {
      return loadedDates(await resources.warehouse(ref.warehouse), ref.dates);
    },
  };
}
