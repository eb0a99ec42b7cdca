import type { CellValue } from '../etl/records';
import type { RecordKind, RejectSample } from '../etl/types';

export type Dialect = 'duckdb' | 'postgres' | 'redshift';

/** How a warehouse is opened: the pipeline writes, the read commands (sql, insights) only read. */
export type WarehouseAccess = 'read-write' | 'read-only';

/**
 * A query result row, the same on every engine: whole numbers as numbers, timestamps as ISO-8601
 * strings in UTC, NULL as null.
 */
export type Row = Record<string, string | number | boolean | null>;

export interface StatementOptions {
  /** Aborts the statement (the warehouse cancels it server-side where it can). */
  signal?: AbortSignal;
  /** Where a warehouse with asynchronous statements (Redshift) records what it submitted. */
  tracker?: StatementTracker;
  /**
   * The statement's logical identity within its activity (e.g. the SQL file it runs), the same on
   * every attempt: a retried attempt re-attaches by it even when the SQL text differs (a
   * timestamp in it). Without it, the SQL text is the identity.
   */
  key?: string;
  /**
   * Called with each statement's index in `execute`'s list just before the statement is sent, where
   * the engine sends them one by one from this process (PostgreSQL); other engines do not call it.
   */
  beforeStatement?: (index: number) => void;
  /**
   * Called with each statement's index in `execute`'s list and how long it ran (ms), once it has
   * run: DuckDB and PostgreSQL time each statement as they send it, Redshift reports each of a
   * batch's statements as the Data API timed it.
   */
  statementDone?: (index: number, ms: number) => void;
}

/**
 * Remembers the ids of submitted server-side statements across attempts of one activity, so a
 * retried attempt re-attaches to a statement instead of running it again. Keys are stable for the
 * same statement text; `find` hands out an earlier attempt's id at most once.
 */
export interface StatementTracker {
  find(key: string): string | undefined;
  /** Records a submitted statement before it is awaited. */
  record(key: string, id: string): void;
  /** Called while a statement runs: keeps the activity heartbeating (and so hearing of cancellation). */
  waiting(): void;
}

/**
 * The pipeline's statements for one server-side load, rendered for the warehouse. The warehouse
 * runs them its way around its own load mechanics, passing in the names of the session tables it
 * filled; it knows nothing of the tables they write.
 */
export interface ServerStagingSql {
  /** Drops what this run, or an earlier run of these files, staged and rejected: first in the load's transaction. */
  clear: readonly string[];
  /**
   * Given the session table the load filled (`loaded`: the request's columns) and the one file it
   * loaded, if only one: the statement that rejects the records the pipeline refuses, and the one
   * that stages the rest. Both run in the load's transaction, after `clear`.
   */
  keepLoaded(loaded: string, sourceKey: string | null): { reject: string; stage: string };
  /**
   * Given a session table of the load's tolerated errors (file_name as a URL, line_number,
   * column_name, column_type, raw_value, raw_line, error_code, error_message): keeps them as rejects.
   */
  keepLoadErrors(loadErrors: string): string;
  /** Given a session table of records per loaded file (file_name as a URL, records): the run's per-file counts. */
  keepFileCounts(fileRecords: string): string[];
  /** The first few rejects of the run and kind: source_key, source_line, reason. */
  rejectSamples: string;
}

/** Load the run's files with a server-side COPY (see ServerSideStaging). */
export interface ServerStagingRequest {
  runId: string;
  kind: RecordKind;
  /** The staging table, and the source-field columns the loader fills, in order. */
  table: string;
  columns: readonly string[];
  /** A JSONPaths document naming each column's source key, where the keys are not the column names. */
  jsonPaths?: string;
  /**
   * The files the run listed: exactly these are loaded. Their keys come in key order as they are
   * read, since a song list can run to millions (src/staging/listedKeys.ts).
   */
  files: { count: number; read(): AsyncIterable<string> };
  /** A file's s3:// URL. */
  url(key: string): string;
  /** The source's root (s3://bucket/prefix/), to turn load-error file URLs back into source keys. */
  sourceUrl: string;
  /** Writes a text object (manifest, JSONPaths) to S3; text given as pieces is never held whole. */
  putObject(url: string, body: string | AsyncIterable<string>): Promise<void>;
  sql: ServerStagingSql;
}

export interface ServerStagingResult {
  recordsRead: number;
  recordsStaged: number;
  recordsRejected: number;
  rejectSamples: RejectSample[];
}

/**
 * A warehouse that stages S3 files itself (Redshift COPY) instead of receiving rows from this
 * process. It loads the files into a session table and runs the request's statements (`sql`),
 * which replace what an earlier attempt staged and rejected, in one transaction.
 */
export interface ServerSideStaging {
  stageFromS3(request: ServerStagingRequest, options?: StatementOptions): Promise<ServerStagingResult>;
}

export function hasServerSideStaging(warehouse: Warehouse): warehouse is Warehouse & ServerSideStaging {
  return typeof (warehouse as Partial<ServerSideStaging>).stageFromS3 === 'function';
}

/**
 * The statements that end a staging transaction once its rows are in: given up front, or decided
 * by what the rows held (a function, called once they are all in).
 */
export type StatementsAfter = readonly string[] | (() => readonly string[]);

/** The statements `after` stands for, once the rows are in. */
export function statementsAfter(after: StatementsAfter): readonly string[] {
  return typeof after === 'function' ? after() : after;
}

/** How a ChunkedStaging call loads its session table and what runs around it. */
export interface ChunkLoad {
  /** A temporary table `before` creates; rows give every one of its columns, in its order. */
  table: string;
  before: readonly string[];
  /** Run after each chunk of rows is in the table; they must leave it empty for the next. */
  eachChunk: readonly string[];
  after: StatementsAfter;
  /** Rows per chunk: what the warehouse holds at once. */
  chunkRows: number;
  /**
   * Rows an engine may append straight into a table instead of the session table: `route` gives
   * a row for `table` (values for `columns`), or null to send the row to the session table. DuckDB
   * takes it: it keeps every chunk a session table held until the transaction commits, so staging
   * through one grows with the input. The `eachChunk` statements must not depend on those rows.
   */
  direct?: { table: string; columns: readonly string[]; route(row: readonly CellValue[]): readonly CellValue[] | null };
}

/**
 * A warehouse that stages records set-based: in ONE transaction, `before` runs (it creates a
 * session table), then chunk by chunk rows stream into that table with bounded memory (DuckDB's
 * appender, PostgreSQL's COPY) and `eachChunk` runs (check, insert, reject, empty the table),
 * then `after`. Returns the number of rows loaded.
 */
export interface ChunkedStaging {
  /**
   * Where records are parsed, chosen per engine by measurement (docs/staging.md): `warehouse`
   * gets raw lines and parses them in SQL; `worker` gets rows this process parsed.
   */
  recordParsing: 'warehouse' | 'worker';
  stageChunks(rows: AsyncIterable<readonly (readonly CellValue[])[]>, load: ChunkLoad, options?: StatementOptions): Promise<number>;
}

/** One batch of files a FileStaging call stages. */
export interface FileBatch {
  /** A query with a row per file: `key`, `size` (bytes) and `to_worker` (the engine can't read it as is). */
  survey?: string;
  /** Files known beforehand to need the worker's rows. */
  toWorker?: readonly string[];
  /**
   * Stages these files' records (those the survey left to the engine), running its statements in
   * the staging transaction through `run` (which returns rows changed, and a query's rows).
   */
  read(keys: readonly string[], run: (sql: string) => Promise<{ rowsChanged: number; rows: Record<string, unknown>[] }>): Promise<void>;
}

/** How a FileStaging call stages its files: ChunkLoad's shape, with files instead of rows. */
export interface FileLoad {
  /** The temporary table `before` creates, for the rows of files left to the worker. */
  table: string;
  before: readonly string[];
  batches: Iterable<FileBatch>;
  /** Session-table rows for files the survey left to the worker, every column in table order. */
  workerRows(keys: readonly string[]): AsyncIterable<readonly (readonly CellValue[])[]>;
  /** Run after the worker's rows of a batch are in the session table; they must leave it empty. */
  eachWorkerBatch: readonly string[];
  after: readonly string[];
  /** Called after each batch with what it held. */
  onBatch?(done: { files: number; /** bytes the engine read itself */ bytes: number; toWorker: readonly string[] }): void;
}

/**
 * A warehouse in this process that reads source files itself (DuckDB's read_blob): in ONE
 * transaction, `before`, then batch by batch the batch's `read` statements stage the files it
 * can read; files it can't read as they are get their rows from the worker, appended to the
 * session table, and `eachWorkerBatch` stages those; then `after`.
 */
export interface FileStaging {
  /** False turns it off: staging then streams lines through the worker (ChunkedStaging). */
  readsLocalFiles: boolean;
  /** Returns the bytes the engine read itself and how many files went to the worker. */
  stageFiles(load: FileLoad, options?: StatementOptions): Promise<{ bytes: number; toWorker: number }>;
}

export function hasFileStaging(warehouse: Warehouse): warehouse is Warehouse & FileStaging {
  return typeof (warehouse as Partial<FileStaging>).stageFiles === 'function';
}

export function hasChunkedStaging(warehouse: Warehouse): warehouse is Warehouse & ChunkedStaging {
  return typeof (warehouse as Partial<ChunkedStaging>).stageChunks === 'function';
}

/**
 * A warehouse whose concurrent write transactions must lock to stay apart (PostgreSQL: two
 * upserts of one row would otherwise both read the old row). The statements go first in the
 * transaction. Warehouses without it need none: DuckDB has one writer process per file, Redshift
 * runs transactions serializably and aborts a conflicting one.
 */
export interface WriteLocking {
  /** Makes writers of these tables queue (readers go on), locking in one global order so no two deadlock. */
  tableLockStatements(tables: readonly string[]): string[];
  /** Makes concurrent schema creations (CREATE TABLE IF NOT EXISTS) queue instead of colliding. */
  schemaLockStatements(): string[];
  /** Makes transactions that take the same key (any text) queue, for as long as each lasts. */
  keyLockStatements(key: string): string[];
}

export function hasWriteLocking(warehouse: Warehouse): warehouse is Warehouse & WriteLocking {
  return typeof (warehouse as Partial<WriteLocking>).tableLockStatements === 'function';
}

/**
 * A warehouse that runs statements outside any transaction block (PostgreSQL: DETACH PARTITION …
 * CONCURRENTLY runs only so). Each statement commits as it ends.
 */
export interface AutocommitStatements {
  /** `statements` in order on one session of its own, which is closed afterwards, so a SET in them ends with it. */
  executeEachCommitted(statements: readonly string[], options?: StatementOptions): Promise<void>;
}

export function hasAutocommitStatements(warehouse: Warehouse): warehouse is Warehouse & AutocommitStatements {
  return typeof (warehouse as Partial<AutocommitStatements>).executeEachCommitted === 'function';
}

/**
 * A warehouse whose publishes to one database must not overlap within this process (DuckDB: one
 * writer process per file, and two transactions upserting the same rows conflict instead of
 * queueing). `serializedWrite` runs `work` after every earlier one on the same database that writes
 * one of `tables` has ended (without tables: every earlier one).
 */
export interface SerializedWrites {
  serializedWrite<T>(work: () => Promise<T>, tables?: readonly string[]): Promise<T>;
}

export function hasSerializedWrites(warehouse: Warehouse): warehouse is Warehouse & SerializedWrites {
  return typeof (warehouse as Partial<SerializedWrites>).serializedWrite === 'function';
}

export interface AppendRowsOptions extends StatementOptions {
  /** Runs before the rows go in, inside the same transaction: it makes a retried append idempotent. */
  deleteFirst?: string;
  /** Runs first of all in that transaction (an attempt fence). */
  before?: readonly string[];
  /**
   * false: the table's planner statistics are not gathered after the rows, where the engine would
   * (PostgreSQL, TableStatistics). A caller appending in batches gathers them once, after the last:
   * each ANALYZE samples the table again, so one per batch costs more the more batches there are.
   */
  analyze?: boolean;
}

/** A warehouse whose planner needs statistics gathered after a bulk load (PostgreSQL's ANALYZE). */
export interface TableStatistics {
  analyzeTables(tables: readonly string[], options?: StatementOptions): Promise<void>;
}

export function hasTableStatistics(warehouse: Warehouse): warehouse is Warehouse & TableStatistics {
  return typeof (warehouse as Partial<TableStatistics>).analyzeTables === 'function';
}

/**
 * One interface over DuckDB, PostgreSQL and Redshift. It assumes nothing that holds for only one
 * engine: statements may run asynchronously on the server (Redshift), and bulk loading is a
 * capability of the engine (`appendRows` streams from this process; Redshift stages with a
 * server-side COPY instead, see `ServerSideStaging`).
 */
export interface Warehouse {
  readonly dialect: Dialect;
  /** Where it is, with secrets hidden: for logs and summaries. */
  readonly description: string;
  /**
   * Whether it holds something other processes wait for while it is open (a DuckDB file: one
   * process at a time) and loses nothing by being closed: an idle worker then closes it.
   */
  readonly heldByThisProcess: boolean;
  /** Runs the statements in order in ONE transaction: all take effect or none. */
  execute(statements: string | readonly string[], options?: StatementOptions): Promise<void>;
  query(sql: string, options?: StatementOptions): Promise<Row[]>;
  /**
   * The rows of `sql` a chunk at a time, as the engine produces them, instead of all at once: the
   * caller holds one chunk (2,048 rows: DuckDB's vector, PostgreSQL's cursor reads; on Redshift a
   * page of the Data API's result, whose size the service sets), whatever the result's size.
   * Stopping early ends the query and frees its connection.
   */
  queryChunks(sql: string, options?: StatementOptions): AsyncGenerator<Row[]>;
  /**
   * Appends rows to a table in one transaction, streaming them so memory stays flat; returns the
   * count (AppendRowsOptions).
   */
  appendRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
    options?: AppendRowsOptions,
  ): Promise<number>;
  close(): Promise<void>;
}

/**
 * A warehouse whose retried attempts cannot write beside a stale one (Redshift's Data API): a retry
 * re-attaches to the statement its predecessor submitted instead of running a second one, and
 * transactions are serializable, so two batches writing the same rows cannot both commit. Attempt
 * fences (src/activities/fence.ts) are not needed there, and would defeat re-attachment.
 */
export interface ReattachingStatements {
  readonly reattachesRetriedStatements: true;
}

export function reattachesRetriedStatements(warehouse: Warehouse): warehouse is Warehouse & ReattachingStatements {
  return (warehouse as Partial<ReattachingStatements>).reattachesRetriedStatements === true;
}

/**
 * A warehouse whose text values have a length limit (Redshift: VARCHAR(65535) bytes): a record
 * with a longer value can't be appended at all. Rows staged from this process are checked first,
 * and such a record is rejected with the reason.
 */
export interface AppendRowLimits {
  /** Most bytes a text value may hold. */
  readonly maxTextBytes: number;
  /** Why `row` can't be appended as it is (a value named by `names`, in the row's order), or null. */
  appendRowProblem(row: readonly CellValue[], names: readonly string[]): string | null;
}

export function hasAppendRowLimits(warehouse: Warehouse): warehouse is Warehouse & AppendRowLimits {
  return typeof (warehouse as Partial<AppendRowLimits>).appendRowProblem === 'function';
}

/**
 * A warehouse that refuses a statement longer than `maxStatementBytes` of SQL (Redshift's Data API
 * takes at most 100 KB). A statement that lists values given to it (keys in an IN list) asks about
 * them in parts that fit there.
 */
export interface StatementSizeLimit {
  readonly maxStatementBytes: number;
}

export function hasStatementSizeLimit(warehouse: Warehouse): warehouse is Warehouse & StatementSizeLimit {
  return typeof (warehouse as Partial<StatementSizeLimit>).maxStatementBytes === 'number';
}

/**
 * A warehouse that returns at most `maxResultRowBytes` per row of a query's result (Redshift's
 * Data API: 64 KB, and a longer row fails the statement). A query that may return a value as long
 * as a column holds reads it in pieces there.
 */
export interface ResultRowLimit {
  readonly maxResultRowBytes: number;
}

export function hasResultRowLimit(warehouse: Warehouse): warehouse is Warehouse & ResultRowLimit {
  return typeof (warehouse as Partial<ResultRowLimit>).maxResultRowBytes === 'number';
}
