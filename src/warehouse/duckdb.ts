import {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDecimalValue,
  DuckDBInstance,
  type DuckDBResultReader,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CellValue } from '../etl/records';
import { statementsAfter, type AppendRowsOptions, type ChunkLoad, type ChunkedStaging, type FileLoad, type FileStaging, type Row, type SerializedWrites, type StatementOptions, type StatementsAfter, type Warehouse, type WarehouseAccess } from './types';
import { inTransaction, statementList } from './transaction';
import { classifyDuckDbError, SqlError } from './errors';
import { ConfigError } from '../errors';
import { DUCKDB_DAMAGED_FILE, DUCKDB_DAMAGED_FIX, DUCKDB_LOCK_CONFLICT, duckDbFileProblem, DUCKDB_FILE_FIX } from './duckdbFile';
import { SeveralStatementsError, type SingleStatementQuery, WriteRefusedError } from './singleStatement';
import { bigintToJs, microsToIso } from './values';
import { duckDbInstanceOptions, MEMORY_LIMIT_ENV, type DuckDbResourceOptions } from './duckdbSettings';
import type { CopySegment, CopyTextStaging, PartLoad, PartStatementRunner, SpoolingSegments } from './copyTextStaging';
import { sqlStatement } from './sql';
import { withStagingCompression } from './duckdbStagingCompression';
import { csvReaderSizes } from './duckdbCsvReaderSizes';
import { queuedTableWrite } from './tableWriteQueue';
import type { RawEventLineStaging } from '../staging/rawLineStaging';
import './duckdbTextDecoding';

/**
 * A copy segment is spooled to files of about this many bytes: DuckDB loads one while the worker
 * encodes the next, and disk (not memory) holds at most two parts.
 */
export const COPY_PART_BYTES = 128 * 1024 * 1024;

type Appendable = (appender: DuckDBAppender, value: Exclude<CellValue, null>) => void;

function appenderFor(type: string): Appendable {
  const t = type.toUpperCase();
  if (t === 'BIGINT') return (a, v) => a.appendBigInt(BigInt(Math.trunc(Number(v))));
  if (t === 'INTEGER') return (a, v) => a.appendInteger(Number(v));
  if (t === 'SMALLINT') return (a, v) => a.appendSmallInt(Number(v));
  if (t === 'DOUBLE' || t === 'FLOAT') return (a, v) => a.appendDouble(Number(v));
  if (t === 'VARCHAR') return (a, v) => a.appendVarchar(String(v));
  throw new Error(`appending to a DuckDB ${type} column is not supported`);
}

/** Appends one row, a value per column in table order (null or missing: NULL). */
function appendRow(appender: DuckDBAppender, appenders: readonly Appendable[], row: readonly (CellValue | undefined)[]): void {
  for (let i = 0; i < appenders.length; i++) {
    const value = row[i];
    if (value === null || value === undefined) appender.appendNull();
    else appenders[i](appender, value);
  }
  appender.endRow();
}

function rowsOf(reader: DuckDBResultReader): Row[] {
  const names = reader.columnNames();
  return reader.getRows().map((values) => {
    const row: Row = {};
    names.forEach((name, i) => (row[name] = toJs(values[i])));
    return row;
  });
}

function toJs(value: DuckDBValue): Row[string] {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return bigintToJs(value);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return microsToIso(value.micros);
  if (value instanceof DuckDBDecimalValue) return Number(value.toString());
  return String(value);
}

// DuckDB's refusal of a write on a database opened read-only: `Cannot execute statement of type
// "INSERT" on database "wh" which is attached in read-only mode!`
const READ_ONLY_REFUSAL = /Cannot execute statement of type "([^"]+)" on database "[^"]*" which is attached in read-only mode/;

/** A statement a person typed that would write to a warehouse opened read-only, said as such. */
function writeRefused(err: unknown, warehouse: string): unknown {
  const refused = READ_ONLY_REFUSAL.exec((err as Error).message ?? '');
  return refused ? new WriteRefusedError(warehouse, refused[1]) : err;
}

// What extractStatements puts before its parser's message (position and "near" included).
const EXTRACT_FAILED = /^Failed to extract statements: (?:Parser Error: )?/;

/** A query a person typed that DuckDB's parser refused, said as such. */
function givenSqlSyntaxError(err: unknown): unknown {
  const message = (err as Error).message ?? '';
  if (!EXTRACT_FAILED.test(message)) return err;
  return new SqlError(`syntax error in the given SQL: ${message.replace(EXTRACT_FAILED, '')}`, { cause: err });
}

/**
 * DuckDB in-process: the embedded default. A DuckDB file has one writer process; within this
 * process every user shares one cached instance, and each call gets its own connection.
 */
export class DuckDbWarehouse implements Warehouse, ChunkedStaging, FileStaging, SerializedWrites, CopyTextStaging, RawEventLineStaging, SingleStatementQuery {
  readonly dialect = 'duckdb' as const;
  /** A memory database is lost when closed. */
  get heldByThisProcess(): boolean {
    return this.file !== ':memory:';
  }
  /** Copy segments come as CSV (src/staging/copyText.ts): DuckDB's CSV reader decodes no backslash escape. */
  readonly copyFlavour = 'csv' as const;
  /** Bytes of a copy segment per spooled part file (tests set it small to load many parts). */
  copyPartBytes = COPY_PART_BYTES;
  /**
   * Where records are parsed. Measured (docs/staging.md): parsing in the worker and appending typed
   * rows beats DuckDB's own JSON functions here, so that is the default; 'warehouse' (raw lines
   * parsed and checked in SQL) stays selectable and tested.
   */
  recordParsing: 'warehouse' | 'worker' = 'worker';
  /**
   * Whether DuckDB reads a local source's files itself (read_blob and a split in SQL; event lines
   * typed by one from_json and screened, the rest checked in SQL: src/staging/stageDirect.ts)
   * instead of the worker parsing them. Off by default: measured (docs/staging.md), it halves the
   * CPU of the worker's main-thread parse, but the worker's parse on a thread of its own stages the
   * bench's events sooner. SPARKIFY_DUCKDB_READ_FILES=1 turns it on.
   */
  readsLocalFiles = process.env.SPARKIFY_DUCKDB_READ_FILES === '1';
  /**
   * Whether event lines come from the worker raw, to be parsed by DuckDB's typed stage on all its
   * threads (src/staging/rawLineStaging.ts), instead of parsed by the worker and copied as typed
   * rows. Off by default: it takes less CPU (11.4 against 13.0 s at 1.6M events) but, on the
   * shared machine, more wall time (docs/performance-log.md); SPARKIFY_DUCKDB_RAW_LINES=1 turns it on.
   */
  rawEventLines = process.env.SPARKIFY_DUCKDB_RAW_LINES === '1';
  /**
   * Whether segments whose producer can write part files itself (the encoding thread:
   * SpoolingSegments) are asked to, so no COPY text crosses to the main thread. On by default
   * (measured, docs/performance-log.md); SPARKIFY_DUCKDB_THREAD_PARTS=0 spools them here instead.
   */
  threadWritesParts = process.env.SPARKIFY_DUCKDB_THREAD_PARTS !== '0';

  private closed = false;

  private constructor(
    private readonly file: string,
    private readonly instance: DuckDBInstance,
    readonly description: string,
  ) {}

  /**
   * `resources`: the buffer pool's bound (src/warehouse/duckdbSettings.ts); the first opener of a
   * file sets it. `access` 'read-only' (the read commands): a user who may only read the file can
   * open it, and several such processes at once; a writer process still holds them off.
   */
  static async open(file: string, resources: DuckDbResourceOptions = {}, access: WarehouseAccess = 'read-write'): Promise<DuckDbWarehouse> {
    const readOnly = access === 'read-only' && file !== ':memory:';
    if (file !== ':memory:') {
      const problem = duckDbFileProblem(file);
      if (problem) throw new ConfigError(`warehouse duckdb:${file}: ${problem}: ${DUCKDB_FILE_FIX}`);
      if (!readOnly) fs.mkdirSync(path.dirname(file), { recursive: true });
    }
    const options: Record<string, string> = { ...duckDbInstanceOptions(file, resources), ...(readOnly ? { access_mode: 'READ_ONLY' } : {}) };
    try {
      const instance = await acquireInstance(file, options, readOnly);
      return new DuckDbWarehouse(file, instance, `duckdb:${file}`);
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof ConfigError) throw err;
      if (DUCKDB_LOCK_CONFLICT.test(message)) {
        throw new Error(`duckdb:${file} is open in another process (a DuckDB file has one writer): ${message}`, { cause: err });
      }
      if (DUCKDB_DAMAGED_FILE.test(message)) {
        throw new ConfigError(`warehouse duckdb:${file}: the file is damaged, and DuckDB cannot open it: ${message}: ${DUCKDB_DAMAGED_FIX}`);
      }
      if (options.memory_limit !== undefined && /memory/i.test(message)) {
        throw new Error(`duckdb:${file}: memory_limit '${options.memory_limit}' (${MEMORY_LIMIT_ENV}): ${message}`, { cause: err });
      }
      throw err;
    }
  }

  async serializedWrite<T>(work: () => Promise<T>, tables?: readonly string[]): Promise<T> {
    return queuedTableWrite(this.description, work, tables);
  }

  private async withConnection<T>(options: StatementOptions | undefined, work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    const onAbort = () => connection.interrupt();
    options?.signal?.addEventListener('abort', onAbort);
    try {
      options?.signal?.throwIfAborted();
      return await work(connection);
    } catch (err) {
      throw classifyDuckDbError(err, this.description);
    } finally {
      options?.signal?.removeEventListener('abort', onAbort);
      connection.disconnectSync();
    }
  }

  async execute(statements: string | readonly string[], options?: StatementOptions): Promise<void> {
    const list = statementList(statements);
    await this.withConnection(options, (c) =>
      inTransaction((sql) => c.run(sql), async () => {
        for (const [index, sql] of list.entries()) {
          options?.signal?.throwIfAborted();
          const started = performance.now();
          await c.run(sql);
          options?.statementDone?.(index, performance.now() - started);
        }
      }, options?.signal),
    );
  }

  async query(sql: string, options?: StatementOptions): Promise<Row[]> {
    return this.withConnection(options, async (c) => rowsOf(await c.runAndReadAll(sql)));
  }

  /**
   * SingleStatementQuery: DuckDB's parser counts the statements; only a lone one runs. On a file
   * opened read-only, a write is refused as such.
   */
  async querySingleStatement(sql: string): Promise<Row[]> {
    return this.withConnection(undefined, async (c) => {
      const statements = await c.extractStatements(sql).catch((err: unknown) => {
        throw givenSqlSyntaxError(err);
      });
      if (statements.count > 1) throw new SeveralStatementsError();
      try {
        return rowsOf(await (await statements.prepare(0)).runAndReadAll());
      } catch (err) {
        throw writeRefused(err, this.description);
      }
    });
  }

  /** Warehouse.queryChunks: DuckDB's chunks of 2,048 rows, fetched as they are asked for. */
  async *queryChunks(sql: string, options?: StatementOptions): AsyncGenerator<Row[]> {
    const connection = await this.instance.connect();
    const onAbort = () => connection.interrupt();
    options?.signal?.addEventListener('abort', onAbort);
    try {
      options?.signal?.throwIfAborted();
      let result;
      try {
        result = await connection.stream(sql);
      } catch (err) {
        throw classifyDuckDbError(err, this.description);
      }
      const names = result.columnNames();
      for (;;) {
        let chunk;
        try {
          chunk = await result.fetchChunk();
        } catch (err) {
          throw classifyDuckDbError(err, this.description);
        }
        if (!chunk || chunk.rowCount === 0) return;
        yield chunk.getRows().map((values) => {
          const row: Row = {};
          names.forEach((name, i) => (row[name] = toJs(values[i])));
          return row;
        });
      }
    } finally {
      options?.signal?.removeEventListener('abort', onAbort);
      connection.disconnectSync();
    }
  }

  async appendRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
    options?: AppendRowsOptions,
  ): Promise<number> {
    return this.withConnection(options, async (c) => {
      const layout = await c.runAndReadAll(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table.replace(/'/g, "''")}' ORDER BY ordinal_position`,
      );
      const tableColumns = layout.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));
      if (tableColumns.length === 0) throw new Error(`table ${table} does not exist`);
      // The appender fills every column in table order: place each given column, NULL the rest.
      const positions = tableColumns.map((col) => columns.indexOf(col.name));
      const unknown = columns.filter((name) => !tableColumns.some((col) => col.name === name));
      if (unknown.length > 0) throw new Error(`table ${table} has no column(s) ${unknown.join(', ')}`);
      const appenders = tableColumns.map((col) => appenderFor(col.type));

      return inTransaction((sql) => c.run(sql), async () => {
        for (const sql of options?.before ?? []) await c.run(sql);
        if (options?.deleteFirst) await c.run(options.deleteFirst);
        const appender = await c.createAppender(table);
        let count = 0;
        try {
          for await (const row of rows) {
            for (let i = 0; i < positions.length; i++) {
              const value = positions[i] < 0 ? null : row[positions[i]];
              if (value === null || value === undefined) appender.appendNull();
              else appenders[i](appender, value);
            }
            appender.endRow();
            count++;
            if (count % 100_000 === 0) options?.signal?.throwIfAborted();
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
        return count;
      }, options?.signal);
    });
  }

  /** The layout of a ChunkLoad's direct table: per table column, its appender and where the routed row holds it. */
  private async directAppend(c: DuckDBConnection, direct: NonNullable<ChunkLoad['direct']>) {
    const layout = await c.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog <> 'temp' AND table_name = '${direct.table.replace(/'/g, "''")}' ORDER BY ordinal_position`,
    );
    const columns = layout.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));
    if (columns.length === 0) throw new Error(`table ${direct.table} does not exist`);
    const unknown = direct.columns.filter((name) => !columns.some((col) => col.name === name));
    if (unknown.length > 0) throw new Error(`table ${direct.table} has no column(s) ${unknown.join(', ')}`);
    return {
      table: direct.table,
      route: direct.route,
      appenders: columns.map((col) => appenderFor(col.type)),
      positions: columns.map((col) => direct.columns.indexOf(col.name)),
    };
  }

  async stageChunks(rows: AsyncIterable<readonly (readonly CellValue[])[]>, load: ChunkLoad, options?: StatementOptions): Promise<number> {
    return this.withConnection(options, (c) =>
      inTransaction((sql) => c.run(sql), async () => {
        for (const sql of load.before) await c.run(sql);
        // The session table is temporary: it lives in this connection's temp catalog.
        const layout = await c.runAndReadAll(
          `SELECT data_type FROM information_schema.columns WHERE table_catalog = 'temp' AND table_name = '${load.table.replace(/'/g, "''")}' ORDER BY ordinal_position`,
        );
        const appenders = layout.getRows().map(([type]) => appenderFor(String(type)));
        if (appenders.length === 0) throw new Error(`temporary table ${load.table} does not exist`);
        // Rows routed straight into a table (load.direct): DuckDB keeps every chunk a session
        // table held until commit, but spills a table's appended row groups to the file.
        const direct = load.direct ? await this.directAppend(c, load.direct) : undefined;
        const batches = rows[Symbol.asyncIterator]();
        let count = 0;
        let done = false;
        while (!done) {
          const appender = await c.createAppender(load.table, 'main', 'temp');
          const directAppender = direct ? await c.createAppender(direct.table) : undefined;
          let inChunk = 0;
          try {
            while (inChunk < load.chunkRows) {
              const next = await batches.next();
              if (next.done) {
                done = true;
                break;
              }
              for (const row of next.value) {
                const routed = direct ? direct.route(row) : null;
                if (routed && directAppender && direct) appendRow(directAppender, direct.appenders, direct.positions.map((p) => (p < 0 ? null : routed[p])));
                else appendRow(appender, appenders, row);
              }
              inChunk += next.value.length;
              options?.signal?.throwIfAborted();
            }
            appender.flushSync();
            directAppender?.flushSync();
          } finally {
            appender.closeSync();
            directAppender?.closeSync();
          }
          count += inChunk;
          if (inChunk > 0) for (const sql of load.eachChunk) await c.run(sql);
        }
        for (const sql of statementsAfter(load.after)) await c.run(sql);
        return count;
      }, options?.signal),
    );
  }

  async stageFiles(load: FileLoad, options?: StatementOptions): Promise<{ bytes: number; toWorker: number }> {
    // Without DuckDB's dearest string compressions, as the COPY path (duckdbStagingCompression.ts).
    return this.withConnection(options, (c) => withStagingCompression(this.instance, c, () => this.singleThreaded(c, () =>
      inTransaction((sql) => c.run(sql), async () => {
        for (const sql of load.before) await c.run(sql);
        const run: PartStatementRunner = async (sql) => {
          const result = await c.runAndReadAll(sql);
          return { rowsChanged: result.rowsChanged, rows: result.getRowObjectsJS() };
        };
        let bytes = 0;
        let toWorker = 0;
        for (const batch of load.batches) {
          const survey = batch.survey ? (await c.runAndReadAll(batch.survey)).getRowObjects() : [];
          const direct = survey.filter((f) => f.to_worker !== true).map((f) => String(f.key));
          const viaWorker = [...(batch.toWorker ?? []), ...survey.filter((f) => f.to_worker === true).map((f) => String(f.key))];
          // Bytes DuckDB read itself; the worker's reader counts the files it reads.
          const batchBytes = survey.reduce((sum, f) => sum + (f.to_worker === true ? 0 : Number(f.size)), 0);
          if (direct.length > 0) await batch.read(direct, run);
          options?.signal?.throwIfAborted();
          if (viaWorker.length > 0) {
            await this.appendTemp(c, load.table, load.workerRows(viaWorker), options);
            for (const sql of load.eachWorkerBatch) await c.run(sql);
          }
          bytes += batchBytes;
          toWorker += viaWorker.length;
          load.onBatch?.({ files: direct.length + viaWorker.length, bytes: batchBytes, toWorker: viaWorker });
        }
        for (const sql of load.after) await c.run(sql);
        return { bytes, toWorker };
      }, options?.signal))),
    );
  }

  /**
   * Runs `work` with DuckDB on one thread (a global setting: the instance's other connections too),
   * then puts the count back. Measured on the direct path's statements (read_blob, split, typed
   * parse, insert): a second thread doubled their CPU time and did not shorten them; at 1.6M
   * events on the shared machine, stageEvents in one process took 21.7 CPU-s and 65.8 s with two
   * threads, 12.1 CPU-s and 28.2 s with one (docs/staging.md).
   */
  private async singleThreaded<T>(c: DuckDBConnection, work: () => Promise<T>): Promise<T> {
    const threads = Number((await c.runAndReadAll("SELECT current_setting('threads') AS n")).getRows()[0][0]);
    if (!(threads > 1)) return work();
    await c.run('SET threads = 1');
    try {
      return await work();
    } finally {
      await c.run(`SET threads = ${threads}`);
    }
  }

  /**
   * Stages copy segments (CSV flavour) in one transaction: each segment is spooled to part files
   * in a private folder beside the database (the system's temp folder for an in-memory one) and
   * loaded with DuckDB's CSV reader (sql/staging/duckdb/copy_csv.sql), one part loading while the
   * next is written, without DuckDB's dearest string compressions (duckdbStagingCompression.ts). The folder is removed at the end, also when a part fails.
   */
  async stageCopySegments(
    segments: SpoolingSegments,
    around: { before: readonly string[]; after: StatementsAfter; partLoads?: Readonly<Record<string, PartLoad>> },
    options?: StatementOptions,
  ): Promise<void> {
    const parent = this.file === ':memory:' ? os.tmpdir() : `${this.file}.tmp`;
    await fs.promises.mkdir(parent, { recursive: true });
    const dir = await fs.promises.mkdtemp(path.join(parent, 'copy-'));
    try {
      await this.withConnection(options, (c) => withStagingCompression(this.instance, c, () =>
        inTransaction((sql) => c.run(sql), async () => {
          for (const sql of around.before) await c.run(sql);
          let part = 0;
          const run: PartStatementRunner = async (sql) => {
            const result = await c.runAndReadAll(sql);
            return { rowsChanged: result.rowsChanged, rows: result.getRowObjectsJS() };
          };
          if (this.threadWritesParts) segments.spoolInto?.({ dir, partBytes: this.copyPartBytes });
          for await (const segment of segments) {
            // A segment with a load of its own (raw lines parsed in SQL) is not copied into a table.
            const partLoad = around.partLoads?.[segment.table];
            if (!partLoad) await this.checkCopyColumns(c, segment);
            const load = async (file: string) => {
              options?.signal?.throwIfAborted();
              if (partLoad) await partLoad(file, run);
              else {
                const sizes = csvReaderSizes(segment.table);
                await c.run(sqlStatement('staging/duckdb/copy_csv', this.dialect, {
                  copy_table: segment.table, copy_file: file, max_line_size: sizes.maxLineSize, buffer_size: sizes.bufferSize,
                }));
              }
              await fs.promises.rm(file, { force: true });
            };
            // Part files the producer wrote itself: it writes the next while one loads.
            if (segment.parts) for await (const file of segment.parts) await load(file);
            else await spoolAndLoad(segment, this.copyPartBytes, () => path.join(dir, `part-${part++}.csv`), load);
          }
          for (const sql of statementsAfter(around.after)) await c.run(sql);
        }, options?.signal)),
      );
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  /** COPY without a column list fills every column in order: a segment must name exactly those. */
  private async checkCopyColumns(c: DuckDBConnection, segment: CopySegment): Promise<void> {
    const layout = await c.runAndReadAll(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog <> 'temp' AND table_name = '${segment.table.replace(/'/g, "''")}' ORDER BY ordinal_position`,
    );
    const columns = layout.getRows().map(([name]) => String(name));
    if (columns.join(',') !== segment.columns.join(',')) {
      throw new Error(`a copy segment for ${segment.table} has columns (${segment.columns.join(', ')}), but the table has (${columns.join(', ')})`);
    }
  }

  /** Appends rows (every column, in order) to a temporary table of this connection. */
  private async appendTemp(c: DuckDBConnection, table: string, rows: AsyncIterable<readonly (readonly CellValue[])[]>, options?: StatementOptions): Promise<void> {
    const layout = await c.runAndReadAll(
      `SELECT data_type FROM information_schema.columns WHERE table_catalog = 'temp' AND table_name = '${table.replace(/'/g, "''")}' ORDER BY ordinal_position`,
    );
    const appenders = layout.getRows().map(([type]) => appenderFor(String(type)));
    if (appenders.length === 0) throw new Error(`temporary table ${table} does not exist`);
    const appender = await c.createAppender(table, 'main', 'temp');
    try {
      for await (const batch of rows) {
        for (const row of batch) appendRow(appender, appenders, row);
        options?.signal?.throwIfAborted();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    releaseInstance(this.file);
  }
}

/**
 * Writes a segment's bytes to part files of about `partBytes` (split between chunks, so
 * between rows) and loads each with `load`, the next part being written while one loads. Every
 * load started is awaited before this returns or throws.
 */
async function spoolAndLoad(segment: CopySegment, partBytes: number, nextFile: () => string, load: (file: string) => Promise<void>): Promise<void> {
  let loading: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const startLoad = async (file: string): Promise<void> => {
    await loading;
    if (failure) throw failure.error;
    loading = load(file).catch((error: unknown) => {
      failure = { error };
    });
  };
  let file = nextFile();
  let handle: fs.promises.FileHandle | undefined = await fs.promises.open(file, 'w');
  let bytes = 0;
  try {
    for await (const chunk of segment.data) {
      if (failure) throw failure.error;
      // One write(2) may write less than asked (a disk filling up, a file size limit): the rest
      // is written, or its error (ENOSPC, EFBIG) thrown, before the part is loaded, never a part cut mid-row.
      for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
      bytes += chunk.length;
      if (bytes >= partBytes) {
        await handle.close();
        handle = undefined;
        await startLoad(file);
        file = nextFile();
        handle = await fs.promises.open(file, 'w');
        bytes = 0;
      }
    }
    await handle.close();
    handle = undefined;
    if (bytes > 0) await startLoad(file);
    await loading;
    if (failure) throw failure.error;
  } finally {
    await handle?.close();
    await loading;
  }
}

/**
 * One instance per file in this process (DuckDB allows one writer per file); closed with its last
 * user. A reader shares a writer's instance. DuckDB's lock is the process's, so it would let this
 * process open a read-write instance beside its own read-only one: that is refused here instead.
 */
const instances = new Map<string, { instance: Promise<DuckDBInstance>; users: number; readOnly: boolean }>();
/** Files whose last instance is being closed: the next one opens after it has let go. */
const closing = new Map<string, Promise<void>>();

function acquireInstance(file: string, options: Record<string, string>, readOnly: boolean): Promise<DuckDBInstance> {
  if (file === ':memory:') return DuckDBInstance.create(file, options);
  let entry = instances.get(file);
  if (entry && entry.readOnly && !readOnly) {
    throw new ConfigError(`duckdb:${file} is open read-only in this process: close that warehouse before opening it to write`);
  }
  if (!entry) {
    const opened = (closing.get(file) ?? Promise.resolve()).then(() => DuckDBInstance.create(file, options));
    entry = { instance: opened, users: 0, readOnly };
    instances.set(file, entry);
    entry.instance.catch(() => instances.delete(file));
  }
  entry.users++;
  return entry.instance;
}

function releaseInstance(file: string): void {
  const entry = instances.get(file);
  if (!entry) return;
  entry.users--;
  if (entry.users === 0) {
    instances.delete(file);
    const closed = entry.instance.then((instance) => instance.closeSync()).catch(() => undefined);
    closing.set(file, closed);
    void closed.finally(() => {
      if (closing.get(file) === closed) closing.delete(file);
    });
  }
}
