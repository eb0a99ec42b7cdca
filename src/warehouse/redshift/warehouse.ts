import { createHash, randomBytes } from 'node:crypto';
import type { CellValue } from '../../etl/records';
import type { RejectSample } from '../../etl/types';
import type {
  AppendRowLimits,
  AppendRowsOptions,
  ReattachingStatements,
  ResultRowLimit,
  Row,
  ServerSideStaging,
  ServerStagingRequest,
  ServerStagingResult,
  StatementOptions,
  StatementSizeLimit,
  Warehouse,
  WarehouseAccess,
} from '../types';
import { SeveralStatementsError, type SingleStatementQuery, WriteRefusedError } from '../singleStatement';
import { appendRowProblem, insertLists, MAX_STATEMENT_BYTES, MAX_TEXT_BYTES, quoteIdent, wideRowStatements } from './append';
import { COPY_TEMP_TABLE, copyStatements, fileRecordsQuery, loadErrorsQuery, manifestPieces, sessionTable, type LoadErrorView } from './copy';
import { DataApi, MAX_BATCH_SQLS, StatementFailedError, type FinishedStatement } from './dataApi';
import { describeLoadErrors } from './loadErrors';
import { isReadOnlyRefusal, READ_ONLY_STATEMENT_AT, readOnlyBatch } from './readOnly';
import { statementCount } from './statementCount';
import { describeRedshiftTarget, type RedshiftSettings } from './uri';

/** Session tables the pipeline's statements read after a COPY (see ServerStagingSql). */
const LOAD_ERRORS_TABLE = 'copy_load_errors';
const FILE_RECORDS_TABLE = 'copy_file_records';

/** Buffer tables of multi-batch appends: etl_append_<target hash>_<attempt token>. */
export const APPEND_BUFFER_PREFIX = 'etl_append_';

/** The s3:// URLs of a request's files, in its order. */
async function* urlsOf(request: ServerStagingRequest): AsyncGenerator<string> {
  for await (const key of request.files.read()) yield request.url(key);
}

/** The key of a request's one file. */
async function onlyKey(files: ServerStagingRequest['files']): Promise<string> {
  for await (const key of files.read()) return key;
  throw new Error('the run listed one file, and its file list read back empty');
}

/**
 * Redshift through the Data API: every call is an asynchronous statement (a batch when it must be
 * one transaction); staging is a server-side COPY from S3 through a manifest.
 */
export class RedshiftWarehouse implements Warehouse, ServerSideStaging, ReattachingStatements, AppendRowLimits, ResultRowLimit, SingleStatementQuery, StatementSizeLimit {
  readonly dialect = 'redshift' as const;
  readonly heldByThisProcess = false;
  readonly reattachesRetriedStatements = true as const;
  readonly description: string;
  private readonly api: DataApi;

  /**
   * `access` 'read-only' (the read commands): every query runs in a read-only transaction
   * (readOnly.ts), and a write Redshift refuses there is a WriteRefusedError.
   */
  constructor(
    private readonly settings: RedshiftSettings,
    private readonly access: WarehouseAccess = 'read-write',
  ) {
    this.description = describeRedshiftTarget(settings);
    this.api = new DataApi(settings);
  }

  private refuseIfReadOnly(): void {
    if (this.access === 'read-only') throw new WriteRefusedError(this.description);
  }

  async execute(statements: string | readonly string[], options?: StatementOptions): Promise<void> {
    this.refuseIfReadOnly();
    const list = typeof statements === 'string' ? [statements] : statements;
    if (list.length === 0) return;
    const finished = await this.api.run(list, options);
    if (options?.statementDone) for (const [index, sub] of finished.subs.entries()) options.statementDone(index, sub.durationMs);
  }

  /** Runs one query: as it is, or on a read-only warehouse inside its read-only transaction. The statement whose rows it returned. */
  private async runQuery(sql: string, options?: StatementOptions): Promise<FinishedStatement['subs'][number]> {
    if (this.access === 'read-write') return (await this.api.run([sql], options)).subs[0];
    try {
      return (await this.api.run(readOnlyBatch(sql), options, { executionMode: 'AUTO_COMMIT' })).subs[READ_ONLY_STATEMENT_AT];
    } catch (err) {
      const statement = err instanceof StatementFailedError ? err.statement.SubStatements?.[READ_ONLY_STATEMENT_AT] : undefined;
      if (statement?.Status === 'FAILED' && isReadOnlyRefusal(statement.Error ?? '')) throw new WriteRefusedError(this.description);
      throw err;
    }
  }

  async query(sql: string, options?: StatementOptions): Promise<Row[]> {
    const statement = await this.runQuery(sql, options);
    return statement.hasResultSet ? this.api.rows(statement.id, options?.signal) : [];
  }

  /**
   * SingleStatementQuery: several statements are refused here, before the call; the Data API takes
   * one per SQL text and would refuse them with its own words ("cannot insert multiple commands
   * into a prepared statement").
   */
  async querySingleStatement(sql: string): Promise<Row[]> {
    if (statementCount(sql) > 1) throw new SeveralStatementsError();
    return this.query(sql);
  }

  /**
   * Warehouse.queryChunks: the statement runs to the end on the server,
   * and its result comes a page (GetStatementResult) at a time, each fetched as it is asked for.
   */
  async *queryChunks(sql: string, options?: StatementOptions): AsyncGenerator<Row[]> {
    const statement = await this.runQuery(sql, options);
    if (statement.hasResultSet) yield* this.api.pages(statement.id, options?.signal);
  }

  readonly maxTextBytes = MAX_TEXT_BYTES;

  /** StatementSizeLimit: the Data API's 100 KB, less room to spare. */
  readonly maxStatementBytes = MAX_STATEMENT_BYTES;

  /** "Packet for query is too large" past this (Troubleshooting issues for Amazon Redshift Data API). */
  readonly maxResultRowBytes = 64 * 1024;

  appendRowProblem(row: readonly CellValue[], names: readonly string[]): string | null {
    return appendRowProblem(row, names);
  }

  /**
   * Multi-row INSERTs within the Data API's statement size, in one batch with `deleteFirst` when
   * they fit (40 SQLs). Larger appends, and any with a row too long for one statement (built in
   * pieces: wideRowStatements), fill a buffer table over several batches first; a last batch then
   * runs `deleteFirst` and moves the rows, so the target still changes in one transaction.
   */
  async appendRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
    options?: AppendRowsOptions,
  ): Promise<number> {
    this.refuseIfReadOnly();
    const lists = insertLists(table, columns, rows);
    const deleteFirst = [...(options?.before ?? []), ...(options?.deleteFirst ? [options.deleteFirst] : [])];
    const iterator = lists[Symbol.asyncIterator]();
    // Rows that fit one batch beside deleteFirst replace in that one batch (one transaction).
    const first: string[] = [];
    let next = await iterator.next();
    while (!next.done && typeof next.value === 'string' && deleteFirst.length + first.length < MAX_BATCH_SQLS) {
      first.push(next.value);
      next = await iterator.next();
    }
    if (next.done) {
      await this.execute([...deleteFirst, ...first.map((values) => lists.insertInto(table, values))], options);
      return lists.count;
    }
    // More than a batch: the rows stream into a buffer table a batch at a time (at most one batch
    // in memory), then replace in one transaction. One buffer per call (so per attempt): two
    // overlapping attempts of one append never share rows. Each attempt drops its own; a killed
    // attempt's buffer is left behind (see docs/redshift.md).
    const target = createHash('sha256').update(`${table}\n${options?.deleteFirst ?? ''}`).digest('hex').slice(0, 12);
    const buffer = `${APPEND_BUFFER_PREFIX}${target}_${randomBytes(4).toString('hex')}`;
    const columnList = columns.map(quoteIdent).join(', ');
    let batch = [`CREATE TABLE ${quoteIdent(buffer)} (LIKE ${quoteIdent(table)})`];
    const add = async (insert: string) => {
      if (batch.length === MAX_BATCH_SQLS) {
        await this.execute(batch, options);
        batch = [];
      }
      batch.push(insert);
    };
    const wideWork = `${buffer}_wide`;
    try {
      for (const values of first) await add(lists.insertInto(buffer, values));
      for (; !next.done; next = await iterator.next()) {
        if (typeof next.value === 'string') await add(lists.insertInto(buffer, next.value));
        else for (const sql of wideRowStatements(buffer, wideWork, columns, next.value.wide)) await add(sql);
      }
      await this.execute(batch, options);
      await this.execute(
        [
          ...deleteFirst,
          `INSERT INTO ${quoteIdent(table)} (${columnList}) SELECT ${columnList} FROM ${quoteIdent(buffer)}`,
          `DROP TABLE ${quoteIdent(buffer)}`,
        ],
        options,
      );
    } catch (err) {
      // A failed attempt (a serializable conflict, say) drops its buffer; only a killed one leaves it.
      await this.api.run([`DROP TABLE IF EXISTS ${quoteIdent(buffer)}`, `DROP TABLE IF EXISTS ${quoteIdent(wideWork)}`]).catch(() => undefined);
      throw err;
    }
    return lists.count;
  }

  async stageFromS3(request: ServerStagingRequest, options?: StatementOptions): Promise<ServerStagingResult> {
    this.refuseIfReadOnly();
    const { runId, kind, sql } = request;
    if (request.files.count === 0) {
      await this.execute(sql.clear, options);
      return { recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] };
    }
    const work = this.settings.staging ?? `${request.sourceUrl}_sparkify-etl/`;
    const manifestUrl = `${work}manifests/${runId}/${kind}.manifest`;
    await request.putObject(manifestUrl, manifestPieces(urlsOf(request)));
    let jsonPathsUrl: string | undefined;
    if (request.jsonPaths !== undefined) {
      jsonPathsUrl = `${work}jsonpaths/${request.table}.json`;
      await request.putObject(jsonPathsUrl, request.jsonPaths);
    }
    // A COPY of one file (every daily run's events): its rows and rejects are that file's.
    const sourceKey = request.files.count === 1 ? await onlyKey(request.files) : null;
    const temp = COPY_TEMP_TABLE[kind];
    // One batch, so one transaction: COPY into a session table, then the pipeline's statements
    // replace the run's staging rows and rejects with what it loaded.
    const copy = copyStatements(this.settings, { table: request.table, columns: request.columns, temp, manifestUrl, jsonPathsUrl });
    const keep = sql.keepLoaded(temp, sourceKey);
    const sqls = [...copy, ...sql.clear, keep.reject, keep.stage];
    const copyAt = 1;
    const rejectsAt = copy.length + sql.clear.length;
    let finished;
    try {
      finished = await this.api.run(sqls, options);
    } catch (err) {
      if (err instanceof StatementFailedError) throw await this.explainCopyFailure(err, copyAt, request, options);
      throw err;
    }
    const queryId = finished.subs[copyAt].queryId;
    const loaded = finished.subs[copyAt].resultRows;
    const invalid = finished.subs[rejectsAt].resultRows;
    const loadErrors = await this.keepLoadErrors(queryId, request, options);
    await this.withLoadErrorView((view) =>
      this.api.run([sessionTable(FILE_RECORDS_TABLE, fileRecordsQuery(view, queryId)), ...sql.keepFileCounts(FILE_RECORDS_TABLE)], options),
    );
    const rejected = invalid + loadErrors;
    return {
      recordsRead: loaded + loadErrors,
      recordsStaged: finished.subs[rejectsAt + 1].resultRows,
      recordsRejected: rejected,
      rejectSamples: rejected === 0 ? [] : await this.rejectSamples(sql.rejectSamples, options),
    };
  }

  /** Adds the load errors COPY tolerated (MAXERROR) to the rejects (the pipeline's statement); returns their count. */
  private async keepLoadErrors(queryId: number, request: ServerStagingRequest, options?: StatementOptions): Promise<number> {
    if (this.settings.maxError === 0) return 0;
    const kept = await this.withLoadErrorView((view) =>
      this.api.run([sessionTable(LOAD_ERRORS_TABLE, loadErrorsQuery(view, queryId)), request.sql.keepLoadErrors(LOAD_ERRORS_TABLE)], options),
    );
    return kept.subs[1].resultRows;
  }

  /** SYS_LOAD_ERROR_DETAIL where it exists, else STL_LOAD_ERRORS (older provisioned clusters). */
  private async withLoadErrorView<T>(work: (view: LoadErrorView) => Promise<T>): Promise<T> {
    try {
      return await work('sys_load_error_detail');
    } catch (err) {
      if (!(err instanceof StatementFailedError) || !/sys_load_(error_)?detail/i.test(err.message)) throw err;
      return work('stl_load_errors');
    }
  }

  /** A failed COPY, said with its load errors: file, line, column, value and reason. Not retried. */
  private async explainCopyFailure(
    err: StatementFailedError,
    copyAt: number,
    request: ServerStagingRequest,
    options?: StatementOptions,
  ): Promise<Error> {
    const copy = err.statement.SubStatements?.[copyAt];
    if (!copy || copy.Status !== 'FAILED' || !copy.RedshiftQueryId) return err;
    const errors = await this.withLoadErrorView((view) => this.query(loadErrorsQuery(view, Number(copy.RedshiftQueryId)), options));
    if (errors.length === 0) return err;
    return new StatementFailedError(
      `COPY of ${request.kind} for run ${request.runId} failed with ${errors.length} load error(s) (MAXERROR ${this.settings.maxError}): ` +
        describeLoadErrors(errors, request.sourceUrl),
      err.statement,
    );
  }

  private async rejectSamples(query: string, options?: StatementOptions): Promise<RejectSample[]> {
    const rows = await this.query(query, options);
    return rows.map((r) => ({ sourceKey: String(r.source_key ?? ''), sourceLine: Number(r.source_line ?? 0), reason: String(r.reason) }));
  }

  async close(): Promise<void> {
    this.api.close();
  }
}
