import { createHash, randomBytes } from 'node:crypto';
import type { CellValue } from '../../etl/records';
import type { RejectSample } from '../../etl/types';
import { sqlLiteral as anyLiteral, type SqlParam } from '../sql';

/** Literals for Redshift, which reads backslashes in them as escapes. */
const sqlLiteral = (value: SqlParam): string => anyLiteral(value, 'redshift');
import type {
  Row,
  ServerSideStaging,
  ServerStagingRequest,
  ServerStagingResult,
  StatementOptions,
  Warehouse,
} from '../types';
import { insertChunks, quoteIdent } from './append';
import { copyBatch, deleteStaged, eventJsonPaths, fileCountsStatements, insertLoadErrors, loadErrorsQuery, manifest, type LoadErrorView } from './copy';
import { DataApi, MAX_BATCH_SQLS, StatementFailedError } from './dataApi';
import { describeLoadErrors } from './loadErrors';
import type { RedshiftSettings } from './uri';

const REJECT_SAMPLES = 5;

/** Buffer tables of multi-batch appends: etl_append_<target hash>_<attempt token>. */
export const APPEND_BUFFER_PREFIX = 'etl_append_';

function describeTarget(settings: RedshiftSettings): string {
  const t = settings.target;
  const where = t.kind === 'cluster' ? `cluster/${t.clusterIdentifier}` : `workgroup/${t.workgroupName}`;
  return `redshift-data://${where}/${settings.database}`;
}

/**
 * Redshift through the Data API: every call is an asynchronous statement (a batch when it must be
 * one transaction); staging is a server-side COPY from S3 through a manifest.
 */
export class RedshiftWarehouse implements Warehouse, ServerSideStaging {
  readonly dialect = 'redshift' as const;
  readonly description: string;
  private readonly api: DataApi;

  constructor(private readonly settings: RedshiftSettings) {
    this.description = describeTarget(settings);
    this.api = new DataApi(settings);
  }

  async execute(statements: string | readonly string[], options?: StatementOptions): Promise<void> {
    const list = typeof statements === 'string' ? [statements] : statements;
    if (list.length === 0) return;
    await this.api.run(list, options);
  }

  async query(sql: string, options?: StatementOptions): Promise<Row[]> {
    const finished = await this.api.run([sql], options);
    return finished.subs[0].hasResultSet ? this.api.rows(finished.id, options?.signal) : [];
  }

  /**
   * Multi-row INSERTs within the Data API's statement size, in one batch with `deleteFirst` when
   * they fit (40 SQLs). Larger appends fill a buffer table over several batches first; a last batch
   * then runs `deleteFirst` and moves the rows, so the target still changes in one transaction.
   */
  async appendRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
    options?: StatementOptions & { deleteFirst?: string; before?: readonly string[] },
  ): Promise<number> {
    const chunks = await insertChunks(table, columns, rows);
    const deleteFirst = [...(options?.before ?? []), ...(options?.deleteFirst ? [options.deleteFirst] : [])];
    const direct = chunks.into(table);
    if (deleteFirst.length + direct.length <= MAX_BATCH_SQLS) {
      await this.execute([...deleteFirst, ...direct], options);
      return chunks.count;
    }
    // One buffer per call (so per attempt): two overlapping attempts of one append never share rows.
    // Each attempt drops its own; a killed attempt's buffer is left behind (see docs/redshift.md).
    const target = createHash('sha256').update(`${table}\n${options?.deleteFirst ?? ''}`).digest('hex').slice(0, 12);
    const buffer = `${APPEND_BUFFER_PREFIX}${target}_${randomBytes(4).toString('hex')}`;
    const inserts = chunks.into(buffer);
    const columnList = columns.map(quoteIdent).join(', ');
    let batch = [`CREATE TABLE ${quoteIdent(buffer)} (LIKE ${quoteIdent(table)})`];
    try {
      for (const insert of inserts) {
        if (batch.length === MAX_BATCH_SQLS) {
          await this.execute(batch, options);
          batch = [];
        }
        batch.push(insert);
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
      await this.api.run([`DROP TABLE IF EXISTS ${quoteIdent(buffer)}`]).catch(() => undefined);
      throw err;
    }
    return chunks.count;
  }

  async stageFromS3(request: ServerStagingRequest, options?: StatementOptions): Promise<ServerStagingResult> {
    const { runId, kind } = request;
    if (request.files.length === 0) {
      await this.execute([`DELETE FROM etl_rejected_records WHERE run_id = ${sqlLiteral(runId)} AND kind = ${sqlLiteral(kind)}`, deleteStaged(runId, kind)], options);
      return { recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] };
    }
    const work = this.settings.staging ?? `${request.sourceUrl}_sparkify-etl/`;
    const manifestUrl = `${work}manifests/${runId}/${kind}.manifest`;
    await request.putObject(manifestUrl, manifest(request.files.map((f) => f.url)));
    let jsonPathsUrl: string | undefined;
    if (kind === 'events') {
      jsonPathsUrl = `${work}jsonpaths/staging_events.json`;
      await request.putObject(jsonPathsUrl, eventJsonPaths());
    }
    const sourceKey = request.files.length === 1 ? request.files[0].key : undefined;
    const plan = copyBatch(this.settings, { runId, kind, manifestUrl, jsonPathsUrl, sourceKey });
    let finished;
    try {
      finished = await this.api.run(plan.sqls, options);
    } catch (err) {
      if (err instanceof StatementFailedError) throw await this.explainCopyFailure(err, plan.copyAt, request, options);
      throw err;
    }
    const loaded = finished.subs[plan.copyAt].resultRows;
    const invalid = finished.subs[plan.rejectsAt].resultRows;
    const loadErrors = await this.keepLoadErrors(finished.subs[plan.copyAt].queryId, request, options);
    await this.withLoadErrorView((view) => this.api.run(fileCountsStatements(view, finished.subs[plan.copyAt].queryId, request), options));
    const rejected = invalid + loadErrors;
    return {
      recordsRead: loaded + loadErrors,
      recordsStaged: finished.subs[plan.stagedAt].resultRows,
      recordsRejected: rejected,
      rejectSamples: rejected === 0 ? [] : await this.rejectSamples(runId, kind, options),
    };
  }

  /** Adds the load errors COPY tolerated (MAXERROR) to etl_rejected_records; returns their count. */
  private async keepLoadErrors(queryId: number, request: ServerStagingRequest, options?: StatementOptions): Promise<number> {
    if (this.settings.maxError === 0) return 0;
    const sys = await this.withLoadErrorView((view) => this.api.run([insertLoadErrors(view, queryId, request)], options));
    return sys.subs[0].resultRows;
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

  private async rejectSamples(runId: string, kind: string, options?: StatementOptions): Promise<RejectSample[]> {
    const finished = await this.api.run(
      [
        `SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = :run_id AND kind = :kind ` +
          `ORDER BY source_key, source_line, reason LIMIT ${REJECT_SAMPLES}`,
      ],
      options,
      { run_id: runId, kind },
    );
    const rows = await this.api.rows(finished.id, options?.signal);
    return rows.map((r) => ({ sourceKey: String(r.source_key ?? ''), sourceLine: Number(r.source_line ?? 0), reason: String(r.reason) }));
  }

  async close(): Promise<void> {
    this.api.close();
  }
}
