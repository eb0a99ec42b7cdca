import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type ColumnMetadata,
  type DescribeStatementResponse,
  type Field,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { createHash } from 'node:crypto';
import { redshiftDiskFullError, SqlError } from '../errors';
import type { Row, StatementOptions } from '../types';
import { timestampTextToIso } from '../values';
import { describeRedshiftTarget, type RedshiftSettings } from './uri';
import { awsRequestHandler, DEFAULT_AWS_HTTP_TIMEOUTS, type AwsHttpTimeouts } from '../../util/awsHttp';

/**
 * How a BatchExecuteStatement runs its Sqls: TRANSACTION (the default) as one transaction the Data
 * API opens and commits; AUTO_COMMIT each on its own, in whatever transaction the Sqls open.
 */
export type ExecutionMode = 'TRANSACTION' | 'AUTO_COMMIT';

/** The Data API's limit on one BatchExecuteStatement. */
export const MAX_BATCH_SQLS = 40;

/** What a finished statement (or batch) reports: per SQL, the rows it returned, changed or loaded. */
export interface FinishedStatement {
  id: string;
  /** Each statement of the batch (one, for a lone statement), as the Data API describes it once finished; its run time in ms. */
  subs: { id: string; resultRows: number; queryId: number; hasResultSet: boolean; durationMs: number }[];
}

/** A statement the warehouse refused; `statement` is its last description (batch sub-statements included). */
export class StatementFailedError extends SqlError {
  constructor(
    message: string,
    readonly statement: DescribeStatementResponse,
  ) {
    super(message);
  }
}

// Errors the Data API answers when it is busy: worth waiting for, unlike SQL and data errors.
const BUSY_ERRORS = new Set(['ThrottlingException', 'ActiveStatementsExceededException', 'InternalServerException']);
// A FAILED statement whose cause is another transaction or the connection: running it again can work.
const TRANSIENT_FAILURE = /serializable isolation violation|could not serialize|deadlock|connection (reset|lost|closed)|terminating connection/i;

/**
 * A submission the Data API refused for what it holds (ValidationException: a SQL text over 100 KB,
 * more than 40 SQLs, a parameter no SQL uses): sent again it is refused again, so a SqlError, which
 * Temporal does not retry. It was a plain error, and a publish over too many days to fit was retried
 * for all of its attempts. Any other error as it came.
 */
function refusedRequest(err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== 'ValidationException') return err;
  return new SqlError(`the Redshift Data API refused the statement (ValidationException): ${err.message}`, { cause: err });
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Values for the Data API's `Parameters` (`:name` in the SQL): Redshift binds them, so no value is
 * ever parsed as SQL. The API takes no empty value, so those must be literals in the SQL.
 */
function sqlParameters(values: Record<string, string>): SqlParameter[] {
  return Object.entries(values).map(([name, value]) => {
    if (value === '') throw new Error(`parameter :${name} is empty; the Data API takes no empty parameter value`);
    return { name, value };
  });
}

function cellValue(field: Field, column: ColumnMetadata | undefined): Row[string] {
  if (field.isNull) return null;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64');
  const text = field.stringValue ?? null;
  if (text === null) return null;
  const type = (column?.typeName ?? '').toLowerCase();
  if (type === 'numeric' || type === 'decimal') return Number(text);
  if (type === 'timestamp' || type === 'timestamptz') return timestampTextToIso(text);
  return text;
}

/**
 * The Redshift Data API, asynchronous underneath: a statement is submitted, then described until it
 * ends. Busy answers are retried with backoff; a FAILED statement is a SqlError (not retried), or a
 * StorageError when the cluster's disk is full;
 * an aborted signal cancels the statement on the server. With a tracker, the id of every submitted
 * statement is recorded before it is awaited, and a retried attempt re-attaches to it instead of
 * running it again.
 */
export class DataApi {
  private readonly client: RedshiftDataClient;

  constructor(
    private readonly settings: RedshiftSettings,
    timeouts: AwsHttpTimeouts = DEFAULT_AWS_HTTP_TIMEOUTS,
  ) {
    this.client = new RedshiftDataClient({
      ...(settings.region ? { region: settings.region } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      requestHandler: awsRequestHandler(timeouts),
    });
  }

  private connection() {
    const t = this.settings.target;
    return t.kind === 'cluster'
      ? { ClusterIdentifier: t.clusterIdentifier, DbUser: t.dbUser, SecretArn: t.secretArn, Database: this.settings.database }
      : { WorkgroupName: t.workgroupName, SecretArn: t.secretArn, Database: this.settings.database };
  }

  /** Calls the API, waiting out throttling and the active-statement quota with exponential backoff. */
  private async call<T>(send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (!BUSY_ERRORS.has((err as Error).name) || attempt >= 10) throw err;
        await sleep(Math.min(200 * 2 ** (attempt - 1), 10_000) * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  private async submit(sqls: readonly string[], parameters: SqlParameter[] | undefined, executionMode: ExecutionMode, signal?: AbortSignal): Promise<string> {
    try {
      return await this.send(sqls, parameters, executionMode, signal);
    } catch (err) {
      throw refusedRequest(err);
    }
  }

  private send(sqls: readonly string[], parameters: SqlParameter[] | undefined, executionMode: ExecutionMode, signal?: AbortSignal): Promise<string> {
    return this.call(async () => {
      const batchMode = executionMode === 'TRANSACTION' ? {} : { ExecutionMode: executionMode };
      const out =
        sqls.length === 1 && executionMode === 'TRANSACTION'
          ? await this.client.send(new ExecuteStatementCommand({ ...this.connection(), Sql: sqls[0], Parameters: parameters }), { abortSignal: signal })
          : await this.client.send(new BatchExecuteStatementCommand({ ...this.connection(), Sqls: [...sqls], Parameters: parameters, ...batchMode }), {
              abortSignal: signal,
            });
      if (!out.Id) throw new Error('the Data API returned no statement id');
      return out.Id;
    }, signal);
  }

  describe(id: string, signal?: AbortSignal): Promise<DescribeStatementResponse> {
    return this.call(() => this.client.send(new DescribeStatementCommand({ Id: id }), { abortSignal: signal }), signal);
  }

  private async cancel(id: string): Promise<void> {
    await this.call(() => this.client.send(new CancelStatementCommand({ Id: id }))).catch(() => undefined);
  }

  /**
   * Runs the SQLs, in one transaction when there are several (BatchExecuteStatement), and waits
   * for the end. With `executionMode` AUTO_COMMIT, a batch of them runs in the transactions its
   * own SQLs open.
   */
  async run(
    sqls: readonly string[],
    options: StatementOptions = {},
    { values, executionMode = 'TRANSACTION' }: { values?: Record<string, string>; executionMode?: ExecutionMode } = {},
  ): Promise<FinishedStatement> {
    if (sqls.length === 0) throw new Error('no SQL to run');
    const parameters = values === undefined ? undefined : sqlParameters(values);
    if (sqls.length > MAX_BATCH_SQLS) throw new Error(`one Data API batch holds at most ${MAX_BATCH_SQLS} statements, got ${sqls.length}`);
    const { signal, tracker } = options;
    signal?.throwIfAborted();
    const identity = options.key !== undefined ? ['key', options.key] : [sqls, values ?? {}];
    const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 20);
    let id = await this.reattach(tracker?.find(key), signal);
    if (id === undefined) {
      id = await this.submit(sqls, parameters, executionMode, signal);
      tracker?.record(key, id);
    }
    return this.wait(id, options);
  }

  /** An earlier attempt's statement, if it can still count: running, finished, or failed for good. */
  private async reattach(id: string | undefined, signal?: AbortSignal): Promise<string | undefined> {
    if (id === undefined) return undefined;
    let described: DescribeStatementResponse;
    try {
      described = await this.describe(id, signal);
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
    if (described.Status === 'ABORTED') return undefined;
    if (described.Status === 'FAILED' && TRANSIENT_FAILURE.test(described.Error ?? '')) return undefined;
    return id;
  }

  private async wait(id: string, options: StatementOptions): Promise<FinishedStatement> {
    const { signal, tracker } = options;
    let pause = 50;
    for (;;) {
      if (signal?.aborted) {
        await this.cancel(id);
        throw signal.reason;
      }
      const described = await this.describe(id).catch(async (err: unknown) => {
        if (signal?.aborted) await this.cancel(id);
        throw err;
      });
      switch (described.Status) {
        case 'FINISHED':
          return {
            id,
            subs: (described.SubStatements ?? [described]).map((s) => ({
              id: s.Id ?? id,
              resultRows: Number(s.ResultRows ?? 0),
              queryId: Number(s.RedshiftQueryId ?? 0),
              hasResultSet: s.HasResultSet ?? false,
              // The Data API's Duration is in nanoseconds.
              durationMs: Number(s.Duration ?? 0) / 1e6,
            })),
          };
        case 'FAILED': {
          const message = described.Error ?? `statement ${id} failed`;
          const diskFull = redshiftDiskFullError(message, describeRedshiftTarget(this.settings));
          if (diskFull) throw diskFull;
          if (TRANSIENT_FAILURE.test(message)) throw new Error(`Redshift statement ${id} failed: ${message}`);
          throw new StatementFailedError(message, described);
        }
        case 'ABORTED':
          throw new Error(`Redshift statement ${id} was aborted`);
      }
      tracker?.waiting();
      try {
        await sleep(pause, signal);
      } catch {
        // Aborted: cancelled at the top of the loop.
      }
      pause = Math.min(pause * 1.5, 1000);
    }
  }

  /** Every row of a finished statement's result, page by page. */
  async rows(id: string, signal?: AbortSignal): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const page of this.pages(id, signal)) for (const row of page) rows.push(row);
    return rows;
  }

  /** A finished statement's result a page at a time (GetStatementResult), each fetched as it is asked for. */
  async *pages(id: string, signal?: AbortSignal): AsyncGenerator<Row[]> {
    let token: string | undefined;
    let columns: ColumnMetadata[] = [];
    do {
      const page = await this.call(
        () => this.client.send(new GetStatementResultCommand({ Id: id, NextToken: token }), { abortSignal: signal }),
        signal,
      );
      if (page.ColumnMetadata) columns = page.ColumnMetadata;
      yield (page.Records ?? []).map((record) => {
        const row: Row = {};
        record.forEach((field, i) => (row[columns[i]?.name ?? `column${i + 1}`] = cellValue(field, columns[i])));
        return row;
      });
      token = page.NextToken;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}
