import pg from 'pg';
import Cursor from 'pg-cursor';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { postgresTimeouts, redactUri, type PostgresTimeouts } from '../config';
import type { CellValue } from '../etl/records';
import { sqlStatement, sqlStatements } from './sql';
import { statementsAfter, type AppendRowsOptions, type AutocommitStatements, type ChunkedStaging, type ChunkLoad, type Row, type StatementOptions, type StatementsAfter, type TableStatistics, type Warehouse, type WarehouseAccess, type WriteLocking } from './types';
import type { CopiedRows, CopySegment, CopyTextStaging } from './copyTextStaging';
import { inTransaction, statementList } from './transaction';
import { classifyPostgresConnectError, classifyPostgresError } from './errors';
import { SeveralStatementsError, type SingleStatementQuery, WriteRefusedError } from './singleStatement';
import { copyTextPieces, copyTextRow } from './copyTextRows';
import { timestampTextToIso } from './values';
import { creationSchemaProblem, INVALID_SCHEMA_NAME } from './postgresSchema';
import { ConfigError } from '../errors';

const OID = { bool: 16, int8: 20, int2: 21, int4: 23, oid: 26, float4: 700, float8: 701, numeric: 1700, timestamp: 1114, timestamptz: 1184 } as const;

// Rows come back the same as from DuckDB: whole numbers as numbers, timestamps as ISO strings in
// UTC (pg's default would turn a timestamp into a Date in the process's local zone).
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID.int8) return (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
    if (oid === OID.numeric) return (v: string) => Number(v);
    if (oid === OID.timestamp || oid === OID.timestamptz) return (v: string) => timestampTextToIso(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

// For a statement a person typed: numbers, booleans and timestamps as from the pipeline's reads,
// every other value as the server's text. pg would make a date a JavaScript Date (in the process's
// zone), an interval, json or jsonb an object ("[object Object]" in a table), an array an array.
const PARSED_IN_TYPED_QUERIES = new Set<number>([OID.bool, OID.int2, OID.int4, OID.int8, OID.oid, OID.float4, OID.float8, OID.numeric, OID.timestamp, OID.timestamptz]);
const typedQueryTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return PARSED_IN_TYPED_QUERIES.has(oid) ? types.getTypeParser(oid, format) : (v: string) => v;
  },
};

/**
 * The server's refusal of several statements in one Parse message, told by its fields, not its
 * message (in the server's lc_messages: "kann nicht mehrere Befehle …" under de_DE). It is a
 * syntax error (42601) raised by the Parse message's handler before any parsing, so it has no
 * position; the parser's own syntax errors have one.
 */
function isSeveralStatementsRefusal(err: unknown): boolean {
  const { code, routine, position } = err as { code?: unknown; routine?: unknown; position?: unknown };
  return code === '42601' && (routine === undefined ? position === undefined : routine === 'exec_parse_message');
}

/** The server's refusal of a write in a read-only transaction (read_only_sql_transaction), told by its code. */
const READ_ONLY_SQL_TRANSACTION = '25006';
/**
 * A statement that cannot run in a transaction block (active_sql_transaction): VACUUM, CREATE
 * DATABASE, ALTER SYSTEM, CREATE INDEX CONCURRENTLY…, all of them writes, refused in the read-only
 * transaction `sql` runs a statement in.
 */
const ACTIVE_SQL_TRANSACTION = '25001';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function clientWithConnectTimeout(ms: number): typeof pg.Client {
  return class extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: ms });
    }
  };
}

/** Rows a streamed query (queryChunks) fetches at a time: DuckDB's chunk, so callers hold as many on both engines. */
const STREAMED_CHUNK_ROWS = 2048;

/** What every pooled connection runs before anything else (sql/postgres/session_settings.sql). */
const SESSION_SETTINGS = sqlStatements('postgres/session_settings', 'postgres');
/** And then, on a warehouse opened to read (sparkify sql, insights), every connection (sql/postgres/read_only_session.sql). */
const READ_ONLY_SESSION = sqlStatements('postgres/read_only_session', 'postgres');
/** The transaction a statement of `sparkify sql` runs in (sql/postgres/read_only_begin.sql, read_only_rollback.sql). */
const READ_ONLY_BEGIN = sqlStatement('postgres/read_only_begin', 'postgres');
const READ_ONLY_ROLLBACK = sqlStatement('postgres/read_only_rollback', 'postgres');
/** And then each connection of the streamed reads' pool (sql/postgres/stream_settings.sql). */
const STREAM_SETTINGS = sqlStatements('postgres/stream_settings', 'postgres');

/** Around each COPY … FROM STDIN, in its transaction (sql/postgres/copy_timeout_*.sql). */
const COPY_TIMEOUT_OFF = sqlStatement('postgres/copy_timeout_off', 'postgres');
const COPY_TIMEOUT_BACK = sqlStatement('postgres/copy_timeout_back', 'postgres');

/**
 * Runs `copy`, a COPY … FROM STDIN on `c` inside a transaction, with no statement timeout. The
 * server counts a COPY until its last row, and the rows come as fast as the worker reads its
 * input: under a timeout shorter than the reading, staging failed on every attempt. The
 * activity's timeouts bound it instead, and an abort cancels it (checkout).
 */
async function untimedCopy<T>(c: pg.PoolClient, copy: () => Promise<T>): Promise<T> {
  await c.query(COPY_TIMEOUT_OFF);
  const result = await copy();
  await c.query(COPY_TIMEOUT_BACK);
  return result;
}

/** Connections each of a warehouse's two pools holds at most. */
const POOL_SIZE = 8;

/** A pool of connections to `url`, each with the timeouts and `settings` (SQL run on connecting). */
function connectionPool(url: string, timeouts: PostgresTimeouts, settings: readonly string[]): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    types,
    application_name: 'sparkify-etl',
    // No endless waits: on a connection, on a statement, or on a server that vanished. The
    // connect timeout goes to each new client only: the pool's own option would also limit the
    // wait for a free pooled client, which busy parallel loads may rightly need.
    Client: clientWithConnectTimeout(timeouts.connectTimeoutMs),
    statement_timeout: timeouts.statementTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
  });
  // An idle client losing its server must not crash the worker; the next query reconnects.
  pool.on('error', () => undefined);
  // Queued ahead of whatever the checkout runs, as one query (pg deprecates queueing a query
  // behind another that has not started). A connection that cannot run them works with the
  // server's own settings (slower, or a streamed read under the statement timeout), and a broken
  // one fails the checkout's own statement.
  pool.on('connect', (client) => {
    client.query(settings.join(';\n')).catch(() => undefined);
  });
  return pool;
}

/** PostgreSQL over a real connection pool; bulk loads stream through COPY … FROM STDIN. */
export class PostgresWarehouse implements Warehouse, ChunkedStaging, CopyTextStaging, WriteLocking, SingleStatementQuery, AutocommitStatements, TableStatistics {
  readonly dialect = 'postgres' as const;
  readonly heldByThisProcess = false;
  /** Measured: PostgreSQL takes rows the worker parsed (its JSON functions are slower; docs/staging.md). */
  readonly recordParsing = 'worker' as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  /**
   * Streamed queries' connections (queryChunks), apart from `pool`: a caller may stream a query
   * while it holds a connection of `pool`, as staging reads the run's file list inside its COPY's
   * transaction. From one pool, eight stagings at once (a backfill of four dates, each staging
   * events and songs) each held a connection and waited for a ninth, for ever. A streamed read
   * needs nothing more once it has its connection, so a wait for one of these always ends.
   */
  private readonly streamPool: pg.Pool;
  private readonly url: string;
  private readonly timeouts: PostgresTimeouts;
  private readonly access: WarehouseAccess;

  /** `access` 'read-only' (the read commands): every transaction on every connection is read-only. */
  constructor(url: string, timeouts: PostgresTimeouts = postgresTimeouts(), access: WarehouseAccess = 'read-write') {
    this.description = redactUri(url);
    this.url = url;
    this.timeouts = timeouts;
    this.access = access;
    const settings = access === 'read-only' ? [...SESSION_SETTINGS, ...READ_ONLY_SESSION] : SESSION_SETTINGS;
    this.pool = connectionPool(url, timeouts, settings);
    this.streamPool = connectionPool(url, timeouts, [...settings, ...STREAM_SETTINGS]);
  }

  /**
   * Cancels the statement backend `pid` runs, over a connection of its own. Taken from a pool, the
   * cancel waited for a free connection: with every one busy (statements queued on a lock, say),
   * it waited as long as they did, and the aborted statement with them.
   */
  private async cancelBackend(pid: number): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: 'sparkify-etl',
      connectionTimeoutMillis: this.timeouts.connectTimeoutMs,
      statement_timeout: this.timeouts.statementTimeoutMs,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(sqlStatement('postgres/cancel_backend', this.dialect, { pid }));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async withClient<T>(options: StatementOptions | undefined, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const checkout = await this.checkout(options);
    try {
      return await work(checkout.client);
    } catch (err) {
      checkout.failed();
      if ((err as { code?: unknown }).code === INVALID_SCHEMA_NAME) throw await this.explainSchemaFailure(checkout.client, err);
      throw classifyPostgresError(err, this.description);
    } finally {
      checkout.release();
    }
  }

  /**
   * A statement refused for want of a schema to create in (3F000), said with the search_path that
   * names none and what to do, on the connection it failed on: not retried, as every attempt meets it.
   */
  private async explainSchemaFailure(c: pg.PoolClient, err: unknown): Promise<unknown> {
    const rows = await c.query(sqlStatement('postgres/creation_schema', this.dialect)).then(
      (r) => r.rows as Row[],
      () => [],
    );
    const schema = rows.length === 1 ? creationSchemaProblem(rows[0]) : null;
    if (schema === null) return classifyPostgresError(err, this.description);
    return new ConfigError(`warehouse ${this.description}: ${schema.problem}: ${schema.fix}`);
  }

  /**
   * A pooled client for one piece of work: `options.signal` cancels its statement, and release()
   * gives it back, or drops it when its server went away, its statement was cancelled, or
   * failed(true) said it is not fit for another. `lost` rejects once the connection is lost, for
   * waits that do not hear of it themselves to race against: pg-cursor leaves a read pending for
   * ever when the connection ends after the server's last rows and before its ReadyForQuery, and a
   * close when it ends before the close's reply (node-postgres issues 2468 and 2642); a server
   * restarted at that moment held a staging step, which reads its file list through a cursor,
   * until its 6-hour timeout.
   */
  private async checkout(
    options: StatementOptions | undefined,
    pool = this.pool,
  ): Promise<{ client: pg.PoolClient; lost: Promise<never>; failed: (dropClient?: boolean) => void; release: () => void }> {
    options?.signal?.throwIfAborted();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw classifyPostgresConnectError(err, this.description);
    }
    const pid = (client as unknown as { processID: number }).processID;
    const onAbort = () => {
      void this.cancelBackend(pid).catch(() => undefined);
    };
    options?.signal?.addEventListener('abort', onAbort);
    let broken = false;
    let rejectLost: (err: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (rejectLost = reject));
    // Nobody may be racing it when the connection goes: that is not an unhandled failure.
    lost.catch(() => undefined);
    // A checked-out client whose server goes away (a restart, a cut connection) emits 'error' and
    // 'end' as well as failing its query; an unheard 'error' would crash the whole worker process.
    const onLost = (err?: unknown) => {
      broken = true;
      rejectLost(err instanceof Error ? err : new Error('Connection terminated unexpectedly'));
    };
    client.on('error', onLost);
    client.on('end', onLost);
    return {
      client,
      lost,
      failed: (dropClient = false) => {
        broken ||= dropClient || (options?.signal?.aborted ?? false);
      },
      release: () => {
        options?.signal?.removeEventListener('abort', onAbort);
        client.off('error', onLost);
        client.off('end', onLost);
        client.release(broken);
      },
    };
  }

  async execute(statements: string | readonly string[], options?: StatementOptions): Promise<void> {
    const list = statementList(statements);
    await this.withClient(options, (c) =>
      inTransaction((sql) => c.query(sql), async () => {
        for (const [index, sql] of list.entries()) {
          options?.beforeStatement?.(index);
          options?.signal?.throwIfAborted();
          const started = performance.now();
          await c.query(sql);
          options?.statementDone?.(index, performance.now() - started);
        }
      }, options?.signal),
    );
  }

  /** AutocommitStatements: on a session of its own, dropped afterwards rather than pooled with its settings. */
  async executeEachCommitted(statements: readonly string[], options?: StatementOptions): Promise<void> {
    const checkout = await this.checkout(options);
    try {
      for (const sql of statements) {
        options?.signal?.throwIfAborted();
        await checkout.client.query(sql);
      }
    } catch (err) {
      throw classifyPostgresError(err, this.description);
    } finally {
      checkout.failed(true);
      checkout.release();
    }
  }

  async query(sql: string, options?: StatementOptions): Promise<Row[]> {
    return this.withClient(options, async (c) => (await c.query(sql)).rows as Row[]);
  }

  /**
   * SingleStatementQuery: sent by the extended protocol, under which the server parses the text as
   * one statement and refuses several (SQLSTATE 42601) before running any. On a warehouse opened
   * read-only, it runs in a read-only transaction, and a write is refused as such.
   */
  async querySingleStatement(sql: string): Promise<Row[]> {
    return this.withClient(undefined, async (c) => {
      const readOnly = this.access === 'read-only';
      // Read-only by a transaction begun here and awaited, not only by the session default, which
      // the pool sets without waiting (a failure to set it went unnoticed, and a write through).
      if (readOnly) await c.query(READ_ONLY_BEGIN);
      try {
        // queryMode is pg's (8.12+), missing from @types/pg.
        return (await c.query({ text: sql, types: typedQueryTypes, queryMode: 'extended' } as pg.QueryConfig)).rows as Row[];
      } catch (err) {
        if (isSeveralStatementsRefusal(err)) throw new SeveralStatementsError();
        const code = (err as { code?: unknown }).code;
        if (readOnly && (code === READ_ONLY_SQL_TRANSACTION || code === ACTIVE_SQL_TRANSACTION)) throw new WriteRefusedError(this.description);
        throw err;
      } finally {
        if (readOnly) await c.query(READ_ONLY_ROLLBACK).catch(() => undefined);
      }
    });
  }

  /**
   * Warehouse.queryChunks: the rows of `sql` through a cursor, STREAMED_CHUNK_ROWS at a time, on
   * one connection of the streamed queries' pool (streamPool) held until the last row or until
   * the caller stops.
   */
  async *queryChunks(sql: string, options?: StatementOptions): AsyncGenerator<Row[]> {
    const checkout = await this.checkout(options, this.streamPool);
    const cursor = checkout.client.query(new Cursor<Row>(sql, undefined, { types }));
    let open = true;
    try {
      for (;;) {
        let rows: Row[];
        try {
          rows = await Promise.race([cursor.read(STREAMED_CHUNK_ROWS), checkout.lost]);
        } catch (err) {
          open = false;
          checkout.failed();
          throw classifyPostgresError(err, this.description);
        }
        if (rows.length === 0) break;
        yield rows;
      }
      open = false;
    } finally {
      // Stopped early: the portal is closed before the connection goes back to the pool.
      if (open) await Promise.race([cursor.close(), checkout.lost]).catch(() => checkout.failed(true));
      checkout.release();
    }
  }

  /**
   * QueryInTransaction (src/warehouse/queryInTransaction.ts): `setup`, then `sql`, in one
   * transaction. On a warehouse opened read-only (insights' queries) a read-only one, begun and
   * awaited as sparkify sql's is, and rolled back: not only the session default, which the pool
   * sets without waiting.
   */
  async queryInTransaction(setup: readonly string[], sql: string, options?: StatementOptions): Promise<Row[]> {
    const work = async (c: pg.PoolClient) => {
      for (const statement of setup) {
        options?.signal?.throwIfAborted();
        await c.query(statement);
      }
      options?.signal?.throwIfAborted();
      return (await c.query(sql)).rows as Row[];
    };
    if (this.access === 'read-write') return this.withClient(options, (c) => inTransaction((s) => c.query(s), () => work(c), options?.signal));
    return this.withClient(options, async (c) => {
      await c.query(READ_ONLY_BEGIN);
      try {
        return await work(c);
      } finally {
        await c.query(READ_ONLY_ROLLBACK).catch(() => undefined);
      }
    });
  }

  async appendRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
    options?: AppendRowsOptions,
  ): Promise<number> {
    return this.withClient(options, (c) =>
      inTransaction((sql) => c.query(sql), async () => {
        for (const sql of options?.before ?? []) await c.query(sql);
        if (options?.deleteFirst) await c.query(options.deleteFirst);
        let count = 0;
        await untimedCopy(c, async () => {
          const copy = c.query(copyFrom(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
          await pipeline(Readable.from(copyTextPieces(rows, () => count++)), copy);
          if (!copy.writableFinished) await once(copy, 'finish');
        });
        if (options?.analyze !== false) await c.query(sqlStatement('postgres/analyze_table', this.dialect, { table }));
        return count;
      }, options?.signal),
    );
  }

  /** TableStatistics: for appends made with `analyze: false`. */
  async analyzeTables(tables: readonly string[], options?: StatementOptions): Promise<void> {
    await this.execute(tables.flatMap((table) => sqlStatements('postgres/analyze_table', this.dialect, { table })), options);
  }

  async stageChunks(rows: AsyncIterable<readonly (readonly CellValue[])[]>, load: ChunkLoad, options?: StatementOptions): Promise<number> {
    return this.withClient(options, (c) =>
      inTransaction((sql) => c.query(sql), async () => {
        for (const sql of load.before) await c.query(sql);
        const batches = rows[Symbol.asyncIterator]();
        let count = 0;
        let done = false;
        // One COPY chunk per batch of rows: the stream's backpressure bounds what is in flight.
        async function* chunk(): AsyncGenerator<string> {
          let inChunk = 0;
          while (inChunk < load.chunkRows) {
            const next = await batches.next();
            if (next.done) {
              done = true;
              return;
            }
            let text = '';
            for (const row of next.value) text += copyTextRow(row);
            inChunk += next.value.length;
            count += next.value.length;
            yield text;
          }
        }
        while (!done) {
          options?.signal?.throwIfAborted();
          const before = count;
          await untimedCopy(c, async () => {
            const copy = c.query(copyFrom(`COPY ${quoteIdent(load.table)} FROM STDIN`));
            await pipeline(Readable.from(chunk()), copy);
            if (!copy.writableFinished) await once(copy, 'finish');
          });
          if (count > before) for (const sql of load.eachChunk) await c.query(sql);
        }
        for (const sql of statementsAfter(load.after)) await c.query(sql);
        return count;
      }, options?.signal),
    );
  }

  async stageCopySegments(
    segments: AsyncIterable<CopySegment>,
    around: { before: readonly string[]; after: StatementsAfter },
    options?: StatementOptions,
  ): Promise<CopiedRows> {
    return this.withClient(options, (c) =>
      inTransaction((sql) => c.query(sql), async () => {
        for (const sql of around.before) await c.query(sql);
        // The server's own count of each COPY (its `COPY n` reply): what the transaction added.
        const copied: CopiedRows = {};
        for await (const segment of segments) {
          options?.signal?.throwIfAborted();
          const rows = await untimedCopy(c, async () => {
            const copy = c.query(copyFrom(`COPY ${quoteIdent(segment.table)} (${segment.columns.map(quoteIdent).join(', ')}) FROM STDIN`));
            await pipeline(Readable.from(segment.data, { objectMode: false }), copy);
            if (!copy.writableFinished) await once(copy, 'finish');
            return copy.rowCount;
          });
          copied[segment.table] = (copied[segment.table] ?? 0) + rows;
        }
        for (const sql of statementsAfter(around.after)) await c.query(sql);
        return copied;
      }, options?.signal),
    );
  }

  tableLockStatements(tables: readonly string[]): string[] {
    return [...new Set(tables)].sort().flatMap((table) => sqlStatements('postgres/lock_table', this.dialect, { table }));
  }

  schemaLockStatements(): string[] {
    return sqlStatements('postgres/schema_lock', this.dialect);
  }

  keyLockStatements(key: string): string[] {
    return sqlStatements('postgres/key_lock', this.dialect, { key });
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.streamPool.end()]);
  }
}
