/**
 * The listing step's body: lists the source in batches (listing.ts), asks the load ledger about
 * each batch's song files, probes the files to stage (song files only where staging does not
 * probe them itself), and appends each batch to the run's file list (etl_run_files) and skipped
 * files (etl_skipped_files) before listing the next. Memory is one batch, whatever the source
 * holds; what later steps and the workflow get is counts and the first few skipped files, and the
 * file list itself stays in the warehouse.
 */
import type { ListedFiles, RunWindow, SkippedFile } from '../etl/types';
import { hasLoadedSongs, songFilesToLoad } from '../ledger/loaded';
import { EVENT_LOG_ROOT, eventLogDate, SONG_DATA_ROOT, type Source, type SourceObject } from '../source';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { CellValue } from '../etl/records';
import { hasTableStatistics, type Warehouse } from '../warehouse/types';
import { appendRowsBehindFence, fenceCurrentAttempt } from './fence';
import { activitySignal, heartbeat, whileHeartbeating } from './heartbeat';
import { DATES_WITHOUT_LOG_SAMPLE_LIMIT, SKIPPED_SAMPLE_LIMIT } from '../etl/listedFiles';
import { datesBetween } from '../etl/dates';
import { atMostEvery, dropUnreadable, listingKinds, listSourceBatches, type ListingPart } from './listing';
import { schemaLockStatements } from './publishLock';

/** Files listed per batch: each batch is probed and appended before the next is listed. */
export const LISTING_BATCH_FILES = 10_000;
/** How often the listing heartbeats its progress (files listed, files probed). */
const PROGRESS_INTERVAL_MS = 250;

const RUN_FILE_COLUMNS = ['run_id', 'kind', 'source_key', 'etag', 'size'] as const;
const SKIPPED_COLUMNS = ['run_id', 'kind', 'source_key', 'etag', 'size', 'reason'] as const;

/** Which part of the source a key is in, as etl_skipped_files.kind says it. */
function keyKind(key: string): string {
  if (key.startsWith(EVENT_LOG_ROOT)) return 'events';
  if (key.startsWith(SONG_DATA_ROOT)) return 'songs';
  return 'other';
}

export interface RunFileListOptions {
  source: Source;
  warehouse: Warehouse;
  runId: string;
  window: RunWindow | null;
  /** The event logs, the song files (and without a window every other file), or both (the default). */
  part?: ListingPart;
  /** Files per batch (LISTING_BATCH_FILES); smaller in tests. */
  batchFiles?: number;
  /** Called with each batch's size as it is recorded: tests check that no batch is larger. */
  onBatch?: (files: number) => void;
  /**
   * Whether song files are probed here (the default). Not where staging reads each one whole and
   * skips those it cannot stage itself (src/staging/skippedSongFiles.ts): a probe would fetch every
   * song file twice, on S3 a round trip each.
   */
  probeSongFiles?: boolean;
}

/**
 * Lists the window's event logs and all song files (or one part of them: ListingPart), records
 * them as the run's file list, and records every other file listed as skipped, with the reason. A
 * retried listing replaces the run's earlier lists of its part first (in the first write's
 * transaction), so it leaves one copy. Each batch is its own transaction; until the step
 * completes nothing reads the run's lists of its part.
 */
export async function listRunFiles(options: RunFileListOptions): Promise<ListedFiles> {
  const { source, warehouse, runId, window } = options;
  const part = options.part ?? 'all';
  const kinds = listingKinds(part);
  const d = warehouse.dialect;
  // createSchema creates etl_skipped_files now; before, the listing did. A run that passed
  // createSchema under the earlier code lists both parts in one step: its table is created here.
  if (part === 'all') await warehouse.execute([...schemaLockStatements(warehouse), ...sqlStatements('schema/etl_skipped_files', d)], { signal: activitySignal() });
  // Likewise etl_run_rules, which the song files' ledger lookup reads and the run summary writes.
  if (part !== 'events') await warehouse.execute([...schemaLockStatements(warehouse), ...sqlStatements('schema/etl_versions', d)], { signal: activitySignal() });
  const fence = await fenceCurrentAttempt(warehouse);
  // The lists' statistics are gathered once, after the last batch (AppendRowsOptions.analyze).
  const append = (table: string, columns: readonly string[], rows: CellValue[][], deleteFirst?: string) =>
    appendRowsBehindFence(warehouse, fence, table, columns, rows, { deleteFirst, analyze: false });
  await whileHeartbeating({ step: 'forgetting an earlier file list' }, async () => {
    await append('etl_run_files', RUN_FILE_COLUMNS, [], sqlStatement('etl/list_forget_run_files', d, { run_id: runId, kinds: kinds.runFiles }));
    await append('etl_skipped_files', SKIPPED_COLUMNS, [], sqlStatement('ledger/forget_skipped_files', d, { run_id: runId, kinds: kinds.skipped }));
  }, 1000);
  // A warehouse whose ledger holds no song file (a first run) need not be asked about each batch.
  const askLedger = part !== 'events' && (await hasLoadedSongs(warehouse, activitySignal()));

  const totals: ListedFiles & Required<Omit<ListedFiles, 'datesWithoutLog'>> = {
    eventFiles: 0,
    songFiles: 0,
    eventBytes: 0,
    songBytes: 0,
    songFilesUnchanged: 0,
    skippedFiles: 0,
    skippedSamples: [],
  };
  const loggedDates = new Set<string>();
  const bytes = (list: SourceObject[]) => list.reduce((sum, o) => sum + o.size, 0);
  let probedBefore = 0;
  const probedProgress = atMostEvery(PROGRESS_INTERVAL_MS, (n: number) => heartbeat({ probed: n }));
  const listedProgress = atMostEvery(PROGRESS_INTERVAL_MS, (listed: number) => heartbeat({ listed }));
  for await (const batch of listSourceBatches(source, window, options.batchFiles ?? LISTING_BATCH_FILES, listedProgress, part)) {
    options.onBatch?.(batch.events.length + batch.songs.length + batch.skipped.length);
    // Song files are loaded once per ETag: those the ledger holds unchanged are not staged again.
    const songsToLoad = askLedger ? await whileHeartbeating({ step: 'ledger' }, () => songFilesToLoad(warehouse, batch.songs, activitySignal()), 1000) : batch.songs;
    const skipped: SkippedFile[] = batch.skipped;
    const probed = (n: number) => probedProgress(probedBefore + n);
    const events = await dropUnreadable(source, batch.events, skipped, probed);
    probedBefore += batch.events.length;
    const songs = options.probeSongFiles === false ? songsToLoad : await dropUnreadable(source, songsToLoad, skipped, probed);
    if (options.probeSongFiles !== false) probedBefore += songsToLoad.length;
    const files = [...events.map((o) => ['events', o] as const), ...songs.map((o) => ['songs', o] as const)];
    await whileHeartbeating({ step: 'recording the file list' }, async () => {
      if (files.length > 0) await append('etl_run_files', RUN_FILE_COLUMNS, files.map(([kind, o]) => [runId, kind, o.key, o.etag, o.size]));
      if (skipped.length > 0) {
        await append('etl_skipped_files', SKIPPED_COLUMNS, skipped.map((f) => [runId, keyKind(f.sourceKey), f.sourceKey, f.etag, f.size, f.reason]));
      }
    }, 1000);
    for (const o of events) {
      const date = eventLogDate(o.key);
      if (date !== undefined) loggedDates.add(date);
    }
    totals.eventFiles += events.length;
    totals.songFiles += songs.length;
    totals.eventBytes += bytes(events);
    totals.songBytes += bytes(songs);
    totals.songFilesUnchanged += batch.songs.length - songsToLoad.length;
    totals.skippedFiles += skipped.length;
    for (const file of skipped) if (totals.skippedSamples.length < SKIPPED_SAMPLE_LIMIT) totals.skippedSamples.push(file);
  }
  if (hasTableStatistics(warehouse)) await warehouse.analyzeTables(['etl_run_files', 'etl_skipped_files'], { signal: activitySignal() });
  if (window && part !== 'songs') {
    const without = datesBetween(window.from, window.to).filter((d) => !loggedDates.has(d));
    totals.datesWithoutLog = { count: without.length, samples: without.slice(0, DATES_WITHOUT_LOG_SAMPLE_LIMIT) };
  }
  return totals;
}
