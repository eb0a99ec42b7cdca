/**
 * The Redshift Data API emulator: AWS JSON 1.1 over HTTP, statements executed on PostgreSQL,
 * plus test controls (submission counts, holds, injected throttling).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import type { Logger } from '../../../src/log';
import { ensureCatalog } from './catalog';
import { isSignificant, SqlSyntaxError } from './sqlLexer';
import { ConnectionInfo, Executor, Field, SqlParameter, Statement, StatusString, SubStatement, TERMINAL } from './statements';
import { parseStatements, TranslateOptions } from './translate';

export type InjectedError = 'ThrottlingException' | 'ActiveStatementsExceededException';

/** Status codes from the SDK's model (errors' httpError traits). */
const ERROR_STATUS: Record<string, number> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ActiveStatementsExceededException: 400,
  ThrottlingException: 400,
  ExecuteStatementException: 500,
  BatchExecuteStatementException: 500,
  InternalServerException: 500,
  UnknownOperationException: 400,
  SerializationException: 400,
};

export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The Data API's limit on one SQL text (ExecuteStatement's Sql, each of BatchExecuteStatement's Sqls). */
export const MAX_QUERY_BYTES = 100 * 1024;

const validation = (message: string): ApiError => new ApiError('ValidationException', message);

type Json = Record<string, unknown>;

const epochSeconds = (d: Date | undefined): number | undefined => (d === undefined ? undefined : d.getTime() / 1000);

function durationNs(start: Date | undefined, end: Date | undefined): number {
  if (start === undefined) return 0;
  return ((end ?? new Date()).getTime() - start.getTime()) * 1_000_000;
}

/** Drops undefined members, as the AWS JSON protocol never sends nulls. */
function compact(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function optionalString(input: Json, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validation(`${key} must be a string`);
  return v;
}

function requiredString(input: Json, key: string): string {
  const v = optionalString(input, key);
  if (v === undefined || v === '') throw validation(`1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

export interface EmulatorConfig {
  pgUrl: string;
  s3: S3Client;
  pageSize: number;
  maxActiveStatements: number;
  translate: TranslateOptions;
  logger: Logger;
}

interface Hold {
  pattern: RegExp;
}

export class RedshiftDataEmulator {
  readonly statements = new Map<string, Statement>();
  private readonly idempotency = new Map<string, { fingerprint: string; output: Json }>();
  private readonly submitted = new Map<string, number>();
  private readonly holds = new Map<string, Hold>();
  private readonly changes = new EventEmitter();
  private readonly admin: Pool;
  private readonly executor: Executor;
  private readonly running = new Set<Promise<void>>();
  private injected: { remaining: number; type: InjectedError; operations?: Set<string> } | undefined;
  private server: http.Server | undefined;
  private stopping = false;
  private adminClosed = false;
  pageSize: number;

  constructor(private readonly config: EmulatorConfig) {
    this.changes.setMaxListeners(0);
    this.pageSize = config.pageSize;
    this.admin = new Pool({ connectionString: config.pgUrl, max: 3, options: '-c TimeZone=UTC' });
    this.admin.on('error', () => undefined);
    this.executor = new Executor({
      pgUrl: config.pgUrl,
      databaseName: decodeURIComponent(new URL(config.pgUrl).pathname.replace(/^\//, '')) || 'postgres',
      admin: this.admin,
      s3: config.s3,
      translate: config.translate,
      logger: config.logger,
      isHeld: (st) => this.isHeld(st),
      changes: this.changes,
    });
  }

  async listen(host: string, port: number): Promise<string> {
    await ensureCatalog(this.admin);
    await this.executor.loadTypeNames();
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const server = this.server;
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    for (const st of this.statements.values()) if (!TERMINAL.has(st.status)) await this.requestCancel(st);
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    this.adminClosed = true;
    await this.admin.end();
  }

  // ---- test controls -------------------------------------------------------------------------

  submissionCount(sql: string | RegExp): number {
    if (typeof sql === 'string') return this.submitted.get(sql) ?? 0;
    let total = 0;
    for (const [text, count] of this.submitted) if (sql.test(text)) total += count;
    return total;
  }

  submissions(): Map<string, number> {
    return new Map(this.submitted);
  }

  hold(pattern: RegExp | string): void {
    const regex = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    this.holds.set(regex.toString(), { pattern: regex });
  }

  /** Releases one hold (same pattern as given to hold), or all holds without an argument. */
  release(pattern?: RegExp | string): void {
    if (pattern === undefined) this.holds.clear();
    else this.holds.delete((typeof pattern === 'string' ? new RegExp(pattern) : pattern).toString());
    this.changes.emit('change');
  }

  /** Resolves with the id of a statement held by `pattern` (already held, or the next one to be). */
  waitUntilHeld(pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    const matches = (st: Statement): boolean => st.held && st.subs.some((s) => new RegExp(regex.source, regex.flags).test(s.sql));
    for (const st of this.statements.values()) if (matches(st)) return Promise.resolve(st.id);
    return new Promise((resolve, reject) => {
      const onHeld = (st: Statement): void => {
        if (!matches(st)) return;
        clearTimeout(timer);
        this.changes.off('held', onHeld);
        resolve(st.id);
      };
      const timer = setTimeout(() => {
        this.changes.off('held', onHeld);
        reject(new Error(`no statement matching ${regex} was held within ${timeoutMs} ms`));
      }, timeoutMs);
      this.changes.on('held', onHeld);
    });
  }

  /**
   * The next `count` API calls fail with `type`. ThrottlingException applies to every operation by
   * default; ActiveStatementsExceededException to ExecuteStatement and BatchExecuteStatement.
   */
  injectThrottling(count: number, type: InjectedError = 'ThrottlingException', operations?: string[]): void {
    const ops = operations ?? (type === 'ActiveStatementsExceededException' ? ['ExecuteStatement', 'BatchExecuteStatement'] : undefined);
    this.injected = count > 0 ? { remaining: count, type, operations: ops === undefined ? undefined : new Set(ops) } : undefined;
  }

  private isHeld(st: Statement): boolean {
    for (const { pattern } of this.holds.values()) {
      if (st.subs.some((s) => new RegExp(pattern.source, pattern.flags).test(s.sql))) return true;
    }
    return false;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload: unknown, contentType = 'application/x-amz-json-1.1'): void => {
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
      res.end(text);
    };
    try {
      const url = req.url ?? '/';
      if (url.startsWith('/__emulator/')) {
        send(200, this.handleAdmin(req.method ?? 'GET', url, body), 'application/json');
        return;
      }
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith('RedshiftData.')) {
        throw new ApiError('UnknownOperationException', `expected POST / with x-amz-target: RedshiftData.<Operation>`);
      }
      let input: Json;
      try {
        input = body.trim() === '' ? {} : (JSON.parse(body) as Json);
      } catch {
        throw new ApiError('SerializationException', 'request body is not valid JSON');
      }
      const operation = target.slice('RedshiftData.'.length);
      this.maybeInjectError(operation);
      send(200, compact(await this.dispatch(operation, input)));
    } catch (err) {
      if (err instanceof ApiError) {
        send(ERROR_STATUS[err.type] ?? 400, { __type: err.type, message: err.message, Message: err.message, ...err.extra });
      } else {
        this.config.logger.error({ err }, 'redshift emulator: internal error');
        send(500, { __type: 'InternalServerException', message: String(err), Message: String(err) });
      }
    }
  }

  private maybeInjectError(operation: string): void {
    const inj = this.injected;
    if (inj === undefined || (inj.operations !== undefined && !inj.operations.has(operation))) return;
    inj.remaining--;
    if (inj.remaining <= 0) this.injected = undefined;
    throw new ApiError(inj.type, inj.type === 'ThrottlingException' ? 'Rate exceeded' : 'Active statements exceeded the allowed quota.');
  }

  private handleAdmin(method: string, url: string, body: string): unknown {
    const input = (body.trim() === '' ? {} : JSON.parse(body)) as { pattern?: string; flags?: string; count?: number; type?: InjectedError; operations?: string[] };
    const path = url.split('?')[0];
    const pattern = (): RegExp | undefined => (input.pattern === undefined ? undefined : new RegExp(input.pattern, input.flags));
    if (method === 'GET' && path === '/__emulator/submissions') return { submissions: Object.fromEntries(this.submitted) };
    if (method === 'POST' && path === '/__emulator/hold') {
      const p = pattern();
      if (p === undefined) throw validation('hold needs a pattern');
      this.hold(p);
      return {};
    }
    if (method === 'POST' && path === '/__emulator/release') {
      this.release(pattern());
      return {};
    }
    if (method === 'POST' && path === '/__emulator/throttle') {
      this.injectThrottling(input.count ?? 1, input.type, input.operations);
      return {};
    }
    throw new ApiError('UnknownOperationException', `no emulator control ${method} ${path}`);
  }

  private dispatch(operation: string, input: Json): Json | Promise<Json> {
    switch (operation) {
      case 'ExecuteStatement':
        return this.submit(operation, input, false);
      case 'BatchExecuteStatement':
        return this.submit(operation, input, true);
      case 'DescribeStatement':
        return this.describe(input);
      case 'GetStatementResult':
        return this.result(input);
      case 'CancelStatement':
        return this.cancel(input);
      case 'ListStatements':
        return this.list(input);
      default:
        throw new ApiError('UnknownOperationException', `${operation} is not implemented by the Redshift emulator`);
    }
  }

  // ---- operations ----------------------------------------------------------------------------

  private connectionInfo(input: Json): ConnectionInfo {
    const info: ConnectionInfo = {
      ClusterIdentifier: optionalString(input, 'ClusterIdentifier'),
      DbUser: optionalString(input, 'DbUser'),
      Database: optionalString(input, 'Database'),
      SecretArn: optionalString(input, 'SecretArn'),
      WorkgroupName: optionalString(input, 'WorkgroupName'),
    };
    if (info.ClusterIdentifier !== undefined && info.WorkgroupName !== undefined) {
      throw validation('Specify either ClusterIdentifier or WorkgroupName, not both.');
    }
    if (info.ClusterIdentifier === undefined && info.WorkgroupName === undefined) {
      throw validation('Either ClusterIdentifier or WorkgroupName is required.');
    }
    if (info.DbUser !== undefined && info.SecretArn !== undefined) throw validation('Specify either DbUser or SecretArn, not both.');
    if (info.ClusterIdentifier !== undefined && info.DbUser === undefined && info.SecretArn === undefined) {
      throw validation('With ClusterIdentifier, either DbUser (temporary credentials) or SecretArn is required.');
    }
    if (info.SecretArn === undefined && info.Database === undefined) throw validation('Database is required unless SecretArn is given.');
    return info;
  }

  private parameters(input: Json): SqlParameter[] | undefined {
    const raw = input.Parameters;
    if (raw === undefined) return undefined;
    if (!Array.isArray(raw) || raw.length === 0) throw validation('Parameters must be a non-empty list');
    return raw.map((p: Json) => {
      const name = requiredString(p, 'name');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw validation(`invalid parameter name '${name}'`);
      return { name, value: requiredString(p, 'value') };
    });
  }

  private submit(operation: string, input: Json, batch: boolean): Json {
    if (this.stopping) throw new ApiError('InternalServerException', 'the emulator is stopping');
    let sqls: string[];
    if (batch) {
      const raw = input.Sqls;
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > 40) throw validation('Sqls must list 1 to 40 SQL statements.');
      sqls = raw.map((s) => {
        if (typeof s !== 'string' || s.trim() === '') throw validation('Sqls must not contain empty statements.');
        return s;
      });
    } else {
      sqls = [requiredString(input, 'Sql')];
    }
    // The Data API refuses a query string over 100 KB at submission ("Considerations when calling the Data API").
    for (const sql of sqls) {
      if (Buffer.byteLength(sql, 'utf8') > MAX_QUERY_BYTES) throw validation(`Cannot process query string larger than 100kB (${Buffer.byteLength(sql, 'utf8')} bytes)`);
    }
    if (input.SessionId !== undefined || input.SessionKeepAliveSeconds !== undefined) {
      throw validation('Sessions (SessionId, SessionKeepAliveSeconds) are not supported by the Redshift emulator.');
    }
    const executionMode = batch ? (optionalString(input, 'ExecutionMode') ?? 'TRANSACTION') : 'TRANSACTION';
    if (executionMode !== 'TRANSACTION' && executionMode !== 'AUTO_COMMIT') throw validation(`ExecutionMode must be TRANSACTION or AUTO_COMMIT, got ${executionMode}.`);
    if (input.ResultFormat !== undefined && input.ResultFormat !== 'JSON') throw validation('Only ResultFormat JSON is supported by the Redshift emulator.');
    const connection = this.connectionInfo(input);
    const parameters = this.parameters(input);
    this.checkParametersUsed(sqls, parameters);

    const token = optionalString(input, 'ClientToken');
    const fingerprint = JSON.stringify({ operation, input: { ...input, ClientToken: undefined } });
    if (token !== undefined) {
      const previous = this.idempotency.get(token);
      if (previous !== undefined) {
        if (previous.fingerprint !== fingerprint) throw validation('ClientToken was already used with a different request.');
        return previous.output;
      }
    }

    const active = [...this.statements.values()].filter((s) => !TERMINAL.has(s.status)).length;
    if (active >= this.config.maxActiveStatements) {
      throw new ApiError('ActiveStatementsExceededException', `Active statements exceeded the allowed quota (${this.config.maxActiveStatements}).`);
    }

    const id = randomUUID();
    const now = new Date();
    const sub = (sql: string, index: number): SubStatement => ({
      id: batch ? `${id}:${index + 1}` : id,
      sql,
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      hasResultSet: false,
      resultRows: -1,
      resultSize: -1,
    });
    const st: Statement = {
      id,
      batch,
      subs: sqls.map(sub),
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      connection,
      statementName: optionalString(input, 'StatementName'),
      parameters,
      autoCommit: executionMode === 'AUTO_COMMIT',
      cancelRequested: false,
      held: false,
      done: Promise.resolve(),
    };
    this.statements.set(id, st);
    for (const sql of sqls) this.submitted.set(sql, (this.submitted.get(sql) ?? 0) + 1);

    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.executor.run(st))
      .catch((err: unknown) => this.config.logger.error({ err, id }, 'redshift emulator: executor crashed'))
      .finally(() => {
        this.running.delete(done);
        this.changes.emit('change');
      });
    st.done = done;
    this.running.add(done);

    const output = compact({
      Id: id,
      CreatedAt: epochSeconds(now),
      ClusterIdentifier: connection.ClusterIdentifier,
      DbUser: connection.DbUser,
      Database: connection.Database,
      SecretArn: connection.SecretArn,
      WorkgroupName: connection.WorkgroupName,
    });
    if (token !== undefined) this.idempotency.set(token, { fingerprint, output });
    return output;
  }

  /** A :name in the SQL without a value is a client error, reported at submission like the real API. */
  private checkParametersUsed(sqls: string[], parameters: SqlParameter[] | undefined): void {
    const given = new Set((parameters ?? []).map((p) => p.name));
    for (const sql of sqls) {
      let statements;
      try {
        statements = parseStatements(sql);
      } catch (err) {
        if (err instanceof SqlSyntaxError) continue; // reported as a FAILED statement
        throw err;
      }
      for (const t of statements.flat()) {
        if (t.kind === 'param' && isSignificant(t) && !given.has(t.text.slice(1))) {
          throw validation(`Parameter '${t.text.slice(1)}' is used in the SQL but has no value in Parameters.`);
        }
      }
    }
  }

  /** Finds a statement or (for `<id>:<n>`) a batch's sub-statement. */
  private lookup(input: Json): { st: Statement; sub?: SubStatement } {
    const id = requiredString(input, 'Id');
    const m = /^(.*):(\d+)$/.exec(id);
    const st = this.statements.get(m === null ? id : m[1]);
    if (st === undefined) throw new ApiError('ResourceNotFoundException', 'Query does not exist.', { ResourceId: id });
    if (m === null) return { st };
    const sub = st.batch ? st.subs[Number(m[2]) - 1] : undefined;
    if (sub === undefined) throw new ApiError('ResourceNotFoundException', 'Query does not exist.', { ResourceId: id });
    return { st, sub };
  }

  private subData(sub: SubStatement): Json {
    return compact({
      Id: sub.id,
      Duration: durationNs(sub.startedAt, sub.endedAt),
      Error: sub.error,
      Status: sub.status,
      CreatedAt: epochSeconds(sub.createdAt),
      UpdatedAt: epochSeconds(sub.updatedAt),
      QueryString: sub.sql,
      ResultRows: sub.resultRows,
      ResultSize: sub.resultSize,
      RedshiftQueryId: sub.queryId ?? 0,
      HasResultSet: sub.hasResultSet,
    });
  }

  private describe(input: Json): Json {
    const { st, sub } = this.lookup(input);
    const common = {
      SecretArn: st.connection.SecretArn,
      DbUser: st.connection.DbUser,
      Database: st.connection.Database,
      ClusterIdentifier: st.connection.ClusterIdentifier,
      WorkgroupName: st.connection.WorkgroupName,
      RedshiftPid: st.pid ?? 0,
      QueryParameters: st.parameters,
      ResultFormat: 'JSON',
    };
    if (sub !== undefined) return compact({ ...common, ...this.subData(sub) });
    if (!st.batch) {
      const only = st.subs[0];
      return compact({
        ...common,
        ...this.subData(only),
        Status: st.status,
        Error: st.error,
        UpdatedAt: epochSeconds(st.updatedAt),
        Duration: durationNs(st.startedAt, st.endedAt),
      });
    }
    return compact({
      ...common,
      Id: st.id,
      Duration: durationNs(st.startedAt, st.endedAt),
      Error: st.error,
      Status: st.status,
      CreatedAt: epochSeconds(st.createdAt),
      UpdatedAt: epochSeconds(st.updatedAt),
      HasResultSet: st.subs.some((s) => s.hasResultSet),
      QueryString: st.subs.map((s) => s.sql).join('; '),
      ResultRows: -1,
      ResultSize: -1,
      SubStatements: st.subs.map((s) => this.subData(s)),
    });
  }

  private result(input: Json): Json {
    const { st, sub: explicit } = this.lookup(input);
    if (st.batch && explicit === undefined) {
      throw validation('A batch statement has no result of its own; use a sub-statement id (<id>:<n>).');
    }
    const sub = explicit ?? st.subs[0];
    const finished = sub.status === 'FINISHED' && (st.status === 'FINISHED' || st.batch);
    if (!finished || !sub.hasResultSet || sub.records === undefined) {
      throw new ApiError('ResourceNotFoundException', 'Query does not have result. Please check query status with DescribeStatement.', {
        ResourceId: sub.id,
      });
    }
    let offset = 0;
    const tokenText = optionalString(input, 'NextToken');
    if (tokenText !== undefined) {
      let parsed: { id?: string; offset?: number };
      try {
        parsed = JSON.parse(Buffer.from(tokenText, 'base64url').toString('utf8')) as typeof parsed;
      } catch {
        throw validation('Invalid NextToken.');
      }
      if (parsed.id !== sub.id || typeof parsed.offset !== 'number') throw validation('Invalid NextToken.');
      offset = parsed.offset;
    }
    const records: Field[][] = sub.records.slice(offset, offset + this.pageSize);
    const next = offset + records.length;
    return compact({
      Records: records,
      ColumnMetadata: sub.columns,
      TotalNumRows: sub.records.length,
      NextToken: next < sub.records.length ? Buffer.from(JSON.stringify({ id: sub.id, offset: next })).toString('base64url') : undefined,
    });
  }

  private async requestCancel(st: Statement): Promise<void> {
    st.cancelRequested = true;
    this.changes.emit('change');
    await this.cancelBackend(st);
    void this.repeatCancel(st);
  }

  private async cancelBackend(st: Statement): Promise<void> {
    if (st.pid === undefined || TERMINAL.has(st.status) || this.adminClosed) return;
    await this.admin.query('SELECT pg_cancel_backend($1)', [st.pid]).catch(() => undefined);
  }

  /** A cancel that reaches the backend just before its query does is lost: repeat until the statement ends. */
  private async repeatCancel(st: Statement): Promise<void> {
    for (let attempt = 0; attempt < 50 && !TERMINAL.has(st.status) && !this.adminClosed; attempt++) {
      await new Promise((r) => setTimeout(r, 200).unref());
      await this.cancelBackend(st);
    }
  }

  private async cancel(input: Json): Promise<Json> {
    const { st } = this.lookup(input);
    if (TERMINAL.has(st.status)) throw validation(`Could not cancel a query that is already in ${st.status} state.`);
    await this.requestCancel(st);
    return { Status: true };
  }

  private list(input: Json): Json {
    const status = optionalString(input, 'Status') ?? 'ALL';
    const name = optionalString(input, 'StatementName');
    const max = typeof input.MaxResults === 'number' ? Math.min(Math.max(1, input.MaxResults), 100) : 100;
    const offset = input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw validation('Invalid NextToken.');
    const all = [...this.statements.values()]
      .filter((s) => status === 'ALL' || s.status === (status as StatusString))
      .filter((s) => name === undefined || s.statementName === name)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const page = all.slice(offset, offset + max);
    return compact({
      Statements: page.map((s) =>
        compact({
          Id: s.id,
          QueryString: s.batch ? undefined : s.subs[0].sql,
          QueryStrings: s.batch ? s.subs.map((x) => x.sql) : undefined,
          SecretArn: s.connection.SecretArn,
          Status: s.status,
          StatementName: s.statementName,
          CreatedAt: epochSeconds(s.createdAt),
          UpdatedAt: epochSeconds(s.updatedAt),
          QueryParameters: s.parameters,
          IsBatchStatement: s.batch,
          ResultFormat: 'JSON',
        }),
      ),
      NextToken: offset + max < all.length ? Buffer.from(String(offset + max)).toString('base64url') : undefined,
    });
  }
}
