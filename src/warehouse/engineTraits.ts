/**
 * What the pipeline does differently on each engine, in one table. Pipeline code asks for a trait
 * (which form of a SQL file, which settings a publish runs with, how many checks at once) and never
 * which engine it is on; each entry says why its engine differs. Engine code (src/warehouse/<engine>)
 * keeps what is inside the engine's own client.
 */
import type { SqlName } from './sqlNames';
import type { Dialect } from './types';

export interface EngineTraits {
  /**
   * An engine's own form of a shared SQL file, to run in its place: the same rows, in a plan the
   * engine runs well. The file's header says why.
   */
  sqlVariants: Partial<Record<SqlName, SqlName>>;
  /** Settings run first in every publish transaction (after its locks). */
  publishSettings: SqlName[];
  /** Settings run after publishSettings in the songplays publish only. */
  songplaysPublishSettings: SqlName[];
  /** Settings run in each insights query's transaction. */
  reportSettings: SqlName[];
  /** Settings run after reportSettings for one insights query (by its name under sql/insights/). */
  reportQuerySettings: Partial<Record<string, SqlName[]>>;
  /** Added to reportSettings for a query that is to take one core, not all. */
  oneCoreSettings: SqlName[];
  /** Quality checks run at once on one warehouse. */
  checkLanes: number;
  /** Settings run in each quality check statement's transaction. */
  checkSettings: SqlName[];
  /**
   * Where a valid unique index on a column proves its unique check: the query that finds one
   * (its row's `enforcing` above 0). Null where the engine keeps no such index.
   */
  uniqueIndexQuery: SqlName | null;
  /**
   * Where a database's encoding is chosen by whoever created it: the query that reads it (one row:
   * database, encoding), required to be UTF8 (src/warehouse/databaseEncoding.ts). Null where text
   * is always UTF-8.
   */
  encodingQuery: SqlName | null;
  /** Run after the publishes and before the checks, each statement on a session of its own. */
  statisticsRefresh: SqlName | null;
  /** Whether a staging ends with an ANALYZE of the table it staged into (sql/staging/analyze_<kind>.sql). */
  analyzesStaging: boolean;
  /**
   * Whether staging_events has a partition per run (src/warehouse/stagingPartitions.ts), which a run
   * attaches before it stages and the retention truncates and drops, instead of one table whose
   * rows each run deletes.
   */
  partitionsStagingByRun: boolean;
  /**
   * Whether the worker's COPY staging writes each file's count of staged rows into etl_file_counts
   * as it stages (src/staging/copyStaging.ts), so that the ledger reads those instead of grouping
   * the run's staging rows by file (sqlVariants: ledger/record).
   */
  countsStagedFiles: boolean;
  /**
   * Where a songplays publish into an empty songplays (a first load) writes its plays without the
   * primary key and builds the key after them: the query that says songplays is empty, and the
   * statements run first and last in the publish. Null where the engine keeps no such key.
   */
  songplaysKeyAfterFirstLoad: { empty: SqlName; drop: SqlName; build: SqlName } | null;
  /**
   * Where the plays' start-time indexes keep a summary per block range that the server fills in
   * later (PostgreSQL's BRIN): the statement the songplays publish runs first to summarize the
   * ranges the runs before it left without one. Null where the engine keeps its blocks' min/max as
   * it writes them.
   */
  playTimeSummaries: SqlName | null;
  /**
   * Whether the songplays publish leaves out its pass for the run's events staged more than once
   * (usually none) and lets songplays' primary key find them, where the key is there
   * (uniqueIndexQuery): the key refuses a play id given twice, the publish rolls back, and only then
   * runs again with the pass (copies_counted in sql/transform/songplays.sql). False where the engine
   * keeps no such key, or its own file counts them.
   */
  copiesFoundByKey: boolean;
  /**
   * How text repair reads the run's candidates: this engine's one streamed query of them, read a
   * chunk at a time; or, where null, the shared file's pages by key (transform/text_repair_values).
   */
  textCandidateStream: SqlName | null;
  /**
   * What the report's level-changes query waits for: the songplays publish's serial part (and then
   * runs on one core, beside it), or the whole publish, like a write of the same tables.
   */
  levelChangesWaitFor: 'songplays serial part' | 'songplays publish';
  /**
   * What the time publish, started with the songplays publish, waits for: the latter's serial part
   * (and then takes the core it leaves), or nothing where the engine runs the two as it will.
   */
  timePublishWaitsFor: 'songplays serial part' | null;
  /**
   * Whether a run's publishes of different tables run at once in the worker, where its writes are
   * serialized in process (SerializedWrites: DuckDB). Where not, each publish waits for every
   * earlier one (publishQueueTables, src/activities/publishLock.ts).
   */
  publishesOverlap: boolean;
}

/** An engine that runs with its own defaults: no session settings, no statistics to refresh. */
const OWN_DEFAULTS: Pick<EngineTraits, 'publishSettings' | 'songplaysPublishSettings' | 'reportSettings' | 'reportQuerySettings' | 'oneCoreSettings' | 'checkSettings' | 'statisticsRefresh'> = {
  publishSettings: [],
  songplaysPublishSettings: [],
  reportSettings: [],
  reportQuerySettings: {},
  oneCoreSettings: [],
  checkSettings: [],
  statisticsRefresh: null,
};

export const ENGINE_TRAITS: Readonly<Record<Dialect, Readonly<EngineTraits>>> = {
  duckdb: {
    ...OWN_DEFAULTS,
    sqlVariants: {
      // The plays straight from staging, without the table of every play the shared file writes
      // and reads back (DuckDB reads rows written earlier in a transaction on one thread).
      'transform/songplays': 'transform/duckdb/songplays',
      // The values' hashes grouped first: same rows as checks/unique.
      'checks/unique': 'checks/duckdb/unique',
    },
    // DuckDB runs one statement on all its threads.
    checkLanes: 1,
    // DuckDB renders no primary key (src/warehouse/sql.ts).
    uniqueIndexQuery: null,
    encodingQuery: null,
    // DuckDB keeps a table's statistics as rows are appended; its ANALYZE would read the whole
    // table again (all runs' rows) after the last part: 1.6 CPU-s at 1.6M events, measured.
    analyzesStaging: false,
    // Its row groups' min/max already skip other runs' rows; it has no partitions to attach.
    partitionsStagingByRun: false,
    // Its event logs are mostly read by DuckDB itself (src/staging/stageDirect.ts), and its grouping
    // of staging rows by file runs on all its threads.
    countsStagedFiles: false,
    // DuckDB renders no primary key (src/warehouse/sql.ts).
    songplaysKeyAfterFirstLoad: null,
    // Each row group's min/max is kept as it is written.
    playTimeSummaries: null,
    copiesFoundByKey: false,
    textCandidateStream: 'transform/duckdb/text_repair_values',
    // Beside the publish, at 8M events one of the two ran out of the worker's 128 MiB pool.
    levelChangesWaitFor: 'songplays publish',
    // Its publishes take turns (SerializedWrites) whatever the order.
    timePublishWaitsFor: null,
    // Each of its statements runs on all its threads, and side by side they share the worker's
    // pool: at 8M events the songplays, users, time and artists publishes beside each other ran out
    // of its 128 MiB, and were retried (docs/performance-log.md).
    publishesOverlap: false,
  },
  postgres: {
    // The candidates gathered on several cores (the file says how).
    sqlVariants: {
      'transform/text_candidates': 'transform/postgres/text_candidates',
      // The files' counts as staging wrote them (countsStagedFiles), not a pass over the run's staging rows.
      'ledger/record': 'ledger/postgres/record',
    },
    publishSettings: ['postgres/publish_work_mem'],
    // Its passes over every play on parallel workers, and its plays written in the order staging
    // has them (so by start time: the plays' start-time indexes serve a day's deletes and reports).
    songplaysPublishSettings: ['postgres/publish_parallel', 'postgres/publish_scan_from_start'],
    reportSettings: ['postgres/report_settings'],
    // The groupings of every play in cache-sized partitions (engagement, and the two content
    // queries), and the level changes' joins hashed (the files say why).
    reportQuerySettings: {
      activity_engagement: ['postgres/report_partitioned_groups'],
      content_top: ['postgres/report_partitioned_groups'],
      content_played: ['postgres/report_partitioned_groups'],
      revenue_level_changes: ['postgres/level_changes_settings'],
    },
    oneCoreSettings: ['postgres/one_backend'],
    // Each check on a session of its own, so one check's single-process parts run beside another's.
    checkLanes: 2,
    // Small hashes in batches, on no parallel workers (the file says why).
    checkSettings: ['postgres/check_settings'],
    // Every star table's primary key is such an index.
    uniqueIndexQuery: 'postgres/unique_index',
    // CREATE DATABASE takes any encoding (SQL_ASCII, LATIN1, …) from its template or its ENCODING.
    encodingQuery: 'postgres/database_encoding',
    // The publishes leave the star tables' statistics stale, or on a first run empty.
    statisticsRefresh: 'postgres/analyze_star',
    analyzesStaging: true,
    // No index on run_id for a COPY to keep up, and a run's rows go by TRUNCATE and DROP (the schema file says why).
    partitionsStagingByRun: true,
    // In the songplays publish's serial part, grouping the run's staging rows by file cost 2.3 s at 8M events.
    countsStagedFiles: true,
    // Kept through the insert, the key needs the plays sorted: at 8M events one process merged the
    // workers' sorts and wrote every play, about 12 s (docs/performance-log.md).
    songplaysKeyAfterFirstLoad: { empty: 'postgres/songplays_empty', drop: 'postgres/songplays_key_drop', build: 'postgres/songplays_key_build' },
    // Left to autovacuum, a run's ranges mostly waited for the table's next VACUUM: a day's rerun
    // right after the 8M-event first load read every play in its deletes (the file says more).
    playTimeSummaries: 'postgres/summarize_play_time_ranges',
    // The pass groups every play by the four columns of its id: 4.8-6.6 s of three processes at 8M
    // events, beside the users publish, for copies there usually are none of (docs/performance-log.md).
    copiesFoundByKey: true,
    // Pages by key: the streamed query is DuckDB's own SQL.
    textCandidateStream: null,
    // The publish's serial part keeps one core busy; its parallel passes had both.
    levelChangesWaitFor: 'songplays serial part',
    // Beside the publish's parallel passes it took a core from them (an INSERT runs in one backend).
    timePublishWaitsFor: 'songplays serial part',
    // Its table locks order the publishes that write the same table; the others run at once.
    publishesOverlap: true,
  },
  redshift: {
    ...OWN_DEFAULTS,
    sqlVariants: {},
    // Redshift's queue decides what runs at once.
    checkLanes: 1,
    // Its keys are informational only.
    uniqueIndexQuery: null,
    // Redshift keeps every database in UTF-8.
    encodingQuery: null,
    analyzesStaging: true,
    // Redshift has no partitions; each COPY writes a run's rows to blocks of their own.
    partitionsStagingByRun: false,
    // Its COPY stages server-side; where the rows cannot name their file, the COPY's load records
    // give the counts (sql/staging/redshift/copy_file_counts.sql), which the shared ledger reads.
    countsStagedFiles: false,
    // Its keys are informational: nothing to build.
    songplaysKeyAfterFirstLoad: null,
    // Its zone maps (each block's min/max) are written with the block.
    playTimeSummaries: null,
    // Its keys are informational: a play id given twice is not refused.
    copiesFoundByKey: false,
    // Pages by key, long values in pieces (a Data API result row is limited).
    textCandidateStream: null,
    levelChangesWaitFor: 'songplays publish',
    timePublishWaitsFor: null,
    publishesOverlap: true,
  },
};

export function engineTraits(dialect: Dialect): Readonly<EngineTraits> {
  return ENGINE_TRAITS[dialect];
}

/** The SQL file `name` runs as on `dialect`: the engine's own form where it has one. */
export function engineSqlName(name: SqlName, dialect: Dialect): SqlName {
  return ENGINE_TRAITS[dialect].sqlVariants[name] ?? name;
}
