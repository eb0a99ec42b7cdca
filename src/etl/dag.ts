/**
 * The ETL DAG's data dependencies, as data: for each step of etlRun (src/workflows/etl.ts), the sql/
 * files it runs and the tables it reads and writes. The SQL is the truth: a unit test
 * (test/unit/dag.test.ts) holds every declaration to the tables its files name, and the order the
 * workflow runs the steps in to the declarations: a step runs only after every step that writes
 * what it reads. Plain data: workflow-safe.
 */

/** The warehouse's tables (sql/schema/). */
export type Table =
  | 'staging_events'
  | 'staging_songs'
  | 'songplays'
  | 'users'
  | 'songs'
  | 'artists'
  | 'time'
  | 'etl_runs'
  | 'etl_run_files'
  | 'etl_skipped_files'
  | 'etl_load_ledger'
  | 'etl_run_rules'
  | 'etl_schema_version'
  | 'etl_rejected_records'
  | 'etl_file_counts'
  | 'etl_text_repairs'
  | 'etl_song_keys'
  | 'etl_song_file_songs'
  | 'etl_song_file_artists'
  | 'etl_user_state'
  | 'etl_user_logs'
  | 'etl_user_log_dates'
  | 'etl_match_stats'
  | 'etl_play_names'
  | 'etl_songplay_names'
  | 'etl_unmatched_plays'
  | 'etl_cross_day_plays'
  | 'etl_cross_day_times'
  | 'etl_quality_results'
  | 'etl_publishing_runs'
  | 'etl_failed_runs'
  | 'etl_abandoned_runs'
  | 'etl_unknown_runs'
  | 'etl_attempt_fence';

export interface StepTables {
  /**
   * The sql/ files the step runs, on any engine (`dir/*`: every file there). The attempt fence's
   * files (sql/etl/fence_*), which every fenced write runs, are left out, as is its table.
   */
  sql: string[];
  /** Tables the step reads this run's rows of: every step that writes one runs before it. */
  reads: Table[];
  /** Tables the step writes this run's rows to. */
  writes: Table[];
  /**
   * Tables the step reads as earlier runs left them (the ledger; a star table's current rows,
   * which compete with the run's new ones): no step that writes one may run at the same time.
   */
  readsEarlierRuns?: Table[];
  /** Tables the step reads only the rows of that it wrote itself (its run and record kind). */
  readsOwnRows?: Table[];
  /** Tables whose rows of earlier runs the step deletes (staging retention), not this run's data. */
  clears?: Table[];
  /**
   * The record kind the step works on, when it touches only that kind's rows of the tables that
   * hold both (KIND_ROW_TABLES): it may then run beside a step of the other kind that writes them.
   */
  kind?: 'events' | 'songs';
  /** Tables its SQL names on a branch this step never takes, and why. */
  notRead?: Partial<Record<Table, string>>;
  /**
   * What its files' `{{ident:param}}` table placeholders stand for: the tables the step passes, or
   * `adapter` for a table or view the engine's adapter supplies (its COPY target, its load errors).
   */
  idents?: Record<string, readonly Table[] | 'adapter'>;
}

/** Tables whose rows carry their record kind ('events', 'songs'; skipped files also 'other'). */
export const KIND_ROW_TABLES: readonly Table[] = ['etl_run_files', 'etl_skipped_files', 'etl_rejected_records', 'etl_file_counts'];

/** The listing's sql/ files, for either part (src/activities/listing.ts). */
const LISTING_SQL = ['etl/list_forget_run_files', 'ledger/forget_skipped_files'];

const STAGING_SQL = (kind: 'events' | 'songs'): string[] => [
  'etl/run_file_keys',
  'etl/run_file_totals',
  'staging/clear_staged',
  // For event logs on PostgreSQL the same rule, named by the runs whose partitions can hold its rows.
  ...(kind === 'events' ? ['staging/postgres/runs_listing_same_event_logs', 'staging/postgres/clear_staged_in_runs'] : []),
  // And on PostgreSQL its ANALYZE of the run's partition, or of the whole table when due (src/staging/stagingStatistics.ts).
  ...(kind === 'events' ? ['staging/postgres/whole_staging_statistics', 'staging/postgres/analyze_run_events'] : []),
  'staging/clear_rejected',
  'staging/clear_file_counts',
  `staging/parsed_${kind}`,
  `staging/insert_parsed_${kind}`,
  `staging/analyze_${kind}`,
  'staging/drop_parsed_rows',
  'staging/duckdb/raw_lines',
  `staging/duckdb/extract_${kind}`,
  `staging/duckdb/check_${kind}`,
  `staging/duckdb/insert_${kind}`,
  'staging/duckdb/next_chunk',
  'staging/duckdb/drop_work_tables',
  'staging/duckdb/checked_table',
  `staging/duckdb/survey_${kind}`,
  'staging/duckdb/memory_limit',
  `staging/duckdb/read_${kind}`,
  'staging/duckdb/unstaged_lines',
  'staging/duckdb/unstaged_raw_lines',
  // DuckDB reading event logs itself: the typed stage (song files have none).
  ...(kind === 'events' ? ['staging/duckdb/typed_screen', 'staging/duckdb/stage_typed_events', 'staging/duckdb/drop_typed_screen'] : []),
  // Raw event lines parsed by DuckDB (SPARKIFY_DUCKDB_RAW_LINES=1): a view of each part, then the typed stage above.
  ...(kind === 'events' ? ['staging/duckdb/raw_part_lines', 'staging/duckdb/raw_part_survey'] : []),
  'staging/duckdb/copy_csv',
  'staging/duckdb/compression_setting',
  'staging/duckdb/disable_compression',
  'staging/staged_counts',
  'staging/reject_samples',
  `staging/redshift/copy_keep_${kind}`,
  'staging/redshift/copy_keep_load_errors',
  'staging/redshift/copy_file_counts',
];

/** The Redshift COPY's tables, supplied by its adapter. */
const COPY_IDENTS = { loaded: 'adapter', load_errors: 'adapter', file_records: 'adapter' } as const;
/**
 * DuckDB's raw-line staging SQL (sql/staging/duckdb/) names the session's own work relations by
 * parameter (the lines it parses, the checked records it inserts): scratch the step creates itself.
 */
const RAW_LINE_IDENTS = { lines: 'adapter', checked: 'adapter' } as const;

/** The tables the quality checks (src/quality/checks.ts) name, as sql/checks/*.sql's {{ident:table}} and {{ident:ref_table}}. */
const CHECKED_TABLES: Table[] = ['songplays', 'users', 'songs', 'artists', 'time', 'staging_events', 'staging_songs'];
const REFERENCED_TABLES: Table[] = ['users', 'time'];

/** The star schema the analysts query: these names are fixed. */
export const STAR_TABLES: readonly Table[] = ['songplays', 'users', 'songs', 'artists', 'time'];

/** Every activity of etlRun, in the order the workflow runs them; `∥` groups run at once there. */
export const ETL_DAG = {
  createSchema: {
    sql: ['postgres/database_encoding', 'postgres/unpartitioned_staging_aside', 'schema/*', 'postgres/unpartitioned_staging_moved', 'etl/schema_version', 'catalog/table_columns', 'etl/record_schema_version', 'etl/unrecorded_runs', 'etl/record_failed_run', 'etl/clear_publishing', 'etl/record_abandoned_run', 'etl/unknown_runs', 'etl/forget_recorded_unknown_runs', 'etl/count_unknown_runs', 'etl/record_unknown_runs'],
    reads: [],
    // The schema version an earlier release recorded: a newer one is refused (src/etl/versions.ts).
    // The earlier runs with no recorded outcome: those Temporal reports closed are recorded failed
    // (src/ledger/abandonedRuns.ts); those it does not know are counted (src/ledger/unknownRuns.ts).
    readsEarlierRuns: ['etl_schema_version', 'etl_run_files', 'etl_publishing_runs', 'etl_runs', 'etl_failed_runs', 'etl_unknown_runs'],
    writes: [
      ...(['staging_events', 'staging_songs'] as const),
      ...STAR_TABLES,
      ...(['etl_runs', 'etl_run_files', 'etl_load_ledger', 'etl_rejected_records', 'etl_file_counts', 'etl_text_repairs', 'etl_song_keys', 'etl_song_file_songs', 'etl_song_file_artists', 'etl_user_state', 'etl_user_logs', 'etl_user_log_dates', 'etl_match_stats', 'etl_quality_results', 'etl_play_names', 'etl_songplay_names', 'etl_unmatched_plays', 'etl_cross_day_plays', 'etl_cross_day_times', 'etl_skipped_files', 'etl_run_rules', 'etl_schema_version', 'etl_publishing_runs', 'etl_failed_runs', 'etl_abandoned_runs', 'etl_unknown_runs'] as const),
    ],
  },
  // The listing in two parts (src/activities/listing.ts): the event logs, then stageEvents, beside
  // the song files (and without a window every other file), then stageSongs. Runs recorded before
  // it ran one listSourceFiles of both (src/workflows/etl.ts).
  listEventFiles: {
    sql: LISTING_SQL,
    reads: [],
    writes: ['etl_run_files', 'etl_skipped_files'],
    kind: 'events',
  },
  listSongFiles: {
    sql: ['ledger/loaded_song_count', 'ledger/loaded_songs', ...LISTING_SQL],
    reads: [],
    // Song files already in the ledger from a completed run are not staged again.
    readsEarlierRuns: ['etl_load_ledger', 'etl_run_rules', 'etl_runs'],
    writes: ['etl_run_files', 'etl_skipped_files'],
    kind: 'songs',
  },
  stageEvents: {
    // A log with rejects and nothing staged is weighed by its bytes (src/activities/unreadableLogs.ts).
    // Then events of a user with a level outside (free, paid) are rejected (src/activities/eventLevels.ts).
    // Its partition of staging_events first, on PostgreSQL (src/warehouse/stagingPartitions.ts).
    sql: ['postgres/key_lock', 'postgres/attach_staging_partition', ...STAGING_SQL('events'), 'staging/logs_without_staged_events', 'staging/events_with_bad_level', 'staging/reject_events_with_bad_level'],
    reads: ['etl_run_files'],
    // A run's staging clears other runs' rows of its files only where they completed (sql/staging/clear_staged.sql).
    readsEarlierRuns: ['etl_runs'],
    readsOwnRows: ['staging_events', 'etl_rejected_records', 'etl_file_counts'],
    // etl_file_counts: each file's records, counted by the worker's COPY staging (PostgreSQL) or
    // by Redshift's COPY (sql/staging/redshift/).
    writes: ['staging_events', 'etl_rejected_records', 'etl_file_counts'],
    // partition: the run's partition of staging_events, named for the run by the adapter code.
    idents: { table: ['staging_events'], copy_table: ['staging_events', 'etl_rejected_records', 'etl_file_counts'], partition: 'adapter', ...COPY_IDENTS, ...RAW_LINE_IDENTS },
    notRead: { staging_songs: "staging/staged_counts.sql reads it for kind 'songs' only" },
    kind: 'events',
  },
  stageSongs: {
    // A song file that gave no record is kept as a reject (src/activities/songFilesWithoutRecords.ts).
    // A song file that cannot be read, or holds compressed bytes, goes from the run's file list to
    // its skipped files: staging reads each song file once, the listing does not probe them
    // (sql/staging/skip_song_files_found_unreadable.sql).
    sql: [...STAGING_SQL('songs'), 'staging/skip_song_files_found_unreadable', 'staging/skipped_song_files', 'staging/reject_song_files_without_records', 'staging/song_files_without_records'],
    reads: ['etl_run_files'],
    readsEarlierRuns: ['etl_runs'],
    readsOwnRows: ['staging_songs', 'etl_rejected_records', 'etl_file_counts', 'etl_skipped_files'],
    // etl_file_counts: as for stageEvents.
    writes: ['staging_songs', 'etl_rejected_records', 'etl_file_counts', 'etl_run_files', 'etl_skipped_files'],
    idents: { table: ['staging_songs'], copy_table: ['staging_songs', 'etl_rejected_records', 'etl_file_counts'], ...COPY_IDENTS, ...RAW_LINE_IDENTS },
    notRead: { staging_events: "staging/staged_counts.sql reads it for kind 'events' only" },
    kind: 'songs',
  },
  checkStagedData: {
    sql: ['checks/staging_reconciliation', 'etl/clear_quality_results'],
    reads: ['staging_events', 'staging_songs'],
    writes: ['etl_quality_results'],
    idents: { table: ['staging_events', 'staging_songs'] },
  },
  repairText: {
    sql: ['transform/text_candidates', 'transform/postgres/text_candidates', 'transform/text_repair_values', 'transform/duckdb/text_repair_values',
      'transform/redshift/text_repair_long_values', 'transform/redshift/text_repair_value_piece', 'etl/clear_text_repairs', 'etl/mark_publishing'],
    reads: ['staging_events', 'staging_songs'],
    // etl_publishing_runs: the run's mark, before its first publish (src/activities/publishingRuns.ts).
    writes: ['etl_text_repairs', 'etl_publishing_runs'],
    readsOwnRows: ['etl_text_repairs'],
  },
  // Each song file's versions and variants (etl_song_file_*) as earlier runs left them: the run's
  // song files (etl_run_files) replace theirs, then the songs and artists they touch are picked again.
  loadSongs: {
    sql: ['transform/songs'],
    reads: ['staging_songs', 'etl_text_repairs', 'etl_run_files'],
    readsEarlierRuns: ['etl_song_file_songs'],
    writes: ['songs', 'etl_song_keys', 'etl_song_file_songs'],
  },
  loadArtists: {
    sql: ['transform/artists'],
    reads: ['staging_songs', 'etl_text_repairs', 'etl_run_files'],
    readsEarlierRuns: ['etl_song_file_artists'],
    writes: ['artists', 'etl_song_file_artists'],
  },
  loadUsers: {
    sql: ['transform/users'],
    // etl_run_files: the run's event logs, whose contributions per user it replaces, and every
    // run's, for which etl_user_state stands until their contributions are in etl_user_logs (not
    // etl_load_ledger, which loadSongplays writes beside it).
    reads: ['staging_events', 'etl_text_repairs', 'etl_run_files'],
    // Users whose contributions changed are rewritten from all logs' contributions (not songplays:
    // it runs beside loadSongplays, and a user with plays published is in users, published by
    // their run).
    readsEarlierRuns: ['users', 'etl_user_logs', 'etl_user_log_dates', 'etl_user_state'],
    writes: ['users', 'etl_user_logs', 'etl_user_log_dates', 'etl_user_state'],
  },
  loadTime: {
    sql: ['transform/time'],
    // etl_run_files: the run's event logs, whose dates its cross-day times are listed by.
    reads: ['staging_events', 'etl_run_files'],
    // Start times of the replaced days that none of the run's plays has go (deletes, checked
    // against the run's staged plays, not songplays): time is written here only.
    // Times of cross-day plays other days' logs put on the replaced days stay (etl_cross_day_times,
    // which this step writes with the times: not etl_cross_day_plays, which loadSongplays writes).
    readsEarlierRuns: ['time', 'etl_cross_day_times'],
    writes: ['time', 'etl_cross_day_times'],
  },
  loadSongplays: {
    // postgres/songplays_*: a first load's key, built after its rows (engineTraits.ts);
    // postgres/summarize_play_time_ranges: the start-time ranges the runs before left unsummarized.
    sql: ['transform/songplays', 'transform/duckdb/songplays', 'transform/unmatched_plays', 'ledger/record', 'ledger/postgres/record', 'postgres/songplays_empty', 'postgres/songplays_key_drop', 'postgres/songplays_key_build', 'postgres/summarize_play_time_ranges', 'stats/match_stats', 'stats/plays_without_user'],
    reads: ['staging_events', 'staging_songs', 'etl_text_repairs', 'etl_song_keys', 'etl_run_files', 'etl_rejected_records', 'etl_file_counts'],
    // Plays of the replaced days go: deletes (writes) of the days' plays and of the run's own
    // plays by key, so no earlier run's rows are read. Runs beside loadArtists, loadUsers and
    // loadTime, after loadSongs (it matches the song keys loadSongs publishes).
    // etl_match_stats: the run's match counts, written by the publish and read back by stats/match_stats.
    readsOwnRows: ['etl_match_stats'],
    // etl_play_names / etl_songplay_names: what each play names, for the report; the name dictionary
    // is read as earlier runs left it (only new names are added).
    // etl_cross_day_plays: the plays other days' logs put on the run's days, which it keeps, and
    // its own logs' earlier ones, which it replaces.
    // etl_unmatched_plays: the plays without a song, which the publish lists; after it, the listed
    // plays of any run get a song this run's songs bring (sql/transform/unmatched_plays.sql): earlier
    // runs' plays in songplays and etl_songplay_names are updated then, by key.
    // songplays: whether it holds any row (postgres/songplays_empty.sql), before the publish.
    readsEarlierRuns: ['etl_play_names', 'etl_cross_day_plays', 'etl_unmatched_plays', 'songplays'],
    writes: ['songplays', 'etl_load_ledger', 'etl_match_stats', 'etl_play_names', 'etl_songplay_names', 'etl_cross_day_plays', 'etl_unmatched_plays'],
  },
  queryLevelChanges: {
    // The report's one query of staging, before summarizeRun may clear the run's staging rows.
    sql: ['insights/revenue_level_changes'],
    reads: ['staging_events'],
    writes: [],
  },
  runQualityChecks: {
    sql: ['checks/*', 'checks/duckdb/*', 'etl/clear_quality_results', 'etl/clear_publishing', 'etl/publishing_runs'],
    reads: CHECKED_TABLES,
    // etl_publishing_runs: it removes the run's mark, and reads the other runs' marks when a
    // reference check fails (src/activities/checkActivities.ts).
    readsEarlierRuns: ['etl_publishing_runs'],
    writes: ['etl_quality_results', 'etl_publishing_runs'],
    idents: { table: CHECKED_TABLES, ref_table: REFERENCED_TABLES },
  },
  summarizeRun: {
    sql: ['stats/staging_run_counts', 'stats/star_counts', 'stats/skipped_file_count', 'etl/record_run', 'etl/record_run_rules', 'etl/clear_staging_expired', 'etl/clear_staged_events_expired', 'schema/etl_versions', 'schema/etl_failed_runs',
      // On PostgreSQL the expired runs' partitions of staging_events, truncated, then detached and dropped (src/warehouse/stagingPartitions.ts).
      'postgres/truncate_expired_staging', 'postgres/expired_staging_partitions', 'postgres/staging_lock_timeout', 'postgres/detach_staging_partition', 'postgres/finalize_staging_partition', 'postgres/drop_staging_partition'],
    reads: [...STAR_TABLES, 'staging_events', 'staging_songs', 'etl_skipped_files'],
    // Staging rows of completed and failed runs past the retention go (sql/etl/clear_staging_expired.sql).
    // partition: an expired run's partition of staging_events, named by the adapter code.
    idents: { partition: 'adapter' },
    readsEarlierRuns: ['etl_runs', 'etl_failed_runs'],
    // etl_run_rules: the rules version of the run's files, with its completion (created here too
    // for a run whose earlier steps ran under a release before it: src/etl/versions.ts), as is
    // etl_failed_runs, which the staging retention reads.
    writes: ['etl_runs', 'etl_run_rules', 'etl_schema_version', 'etl_failed_runs'],
    // With SPARKIFY_STAGING_RETENTION_DAYS=0 this run's own rows go too: the report's level changes
    // were queried before (queryLevelChanges), and its played songs and artists come from
    // etl_songplay_names, written by the publish.
    clears: ['staging_events', 'staging_songs', 'etl_file_counts'],
  },
  writeReport: {
    sql: ['insights/*'],
    reads: ['songplays', 'users', 'songs', 'artists', 'etl_play_names', 'etl_songplay_names', 'etl_runs', 'etl_quality_results', 'etl_rejected_records'],
    writes: [],
    notRead: { staging_events: 'insights/revenue_level_changes.sql runs in queryLevelChanges; here only for runs recorded before it' },
  },
} satisfies Record<string, StepTables>;

export type DagStep = keyof typeof ETL_DAG;
