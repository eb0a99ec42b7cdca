/**
 * Statement records and their asynchronous execution: each statement (or batch) runs on its own
 * PostgreSQL connection, inside one transaction, and reports its progress through its status.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { EventEmitter } from 'node:events';
import { Client, FieldDef, Pool } from 'pg';
import type { Logger } from '../../../src/log';
import { insertLoadCommits, insertLoadErrors } from './catalog';
import { executeCopy, parseCopy } from './copy';
import { SqlSyntaxError } from './sqlLexer';
import { parseStatements, StatementError, translateStatement, TranslateOptions, Translated, VARCHAR_BYTES_CONSTRAINT } from './translate';

/**
 * The Data API's limits on what one statement returns ("Troubleshooting issues for Amazon Redshift
 * Data API": 64 KB per row, 500 MB per result). AWS does not say how a row is measured; here it is
 * the bytes of its values as text, so a row of overhead-free values right at the limit passes here
 * and might not on Redshift.
 */
export const MAX_RESULT_ROW_BYTES = 64 * 1024;
export const MAX_RESULT_BYTES = 500 * 1024 * 1024;

export type StatusString = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'ABORTED' | 'FAILED';
export const TERMINAL: ReadonlySet<StatusString> = new Set(['FINISHED', 'ABORTED', 'FAILED']);

export type Field = { isNull: true } | { booleanValue: boolean } | { longValue: number } | { doubleValue: number } | { stringValue: string };

export interface ColumnMetadata {
  isCaseSensitive: boolean;
  isCurrency: boolean;
  isSigned: boolean;
  label: string;
  name: string;
  nullable: number;
  precision: number;
  scale: number;
  schemaName: string;
  tableName: string;
  typeName: string;
  length: number;
}

export interface SqlParameter {
  name: string;
  value: string;
}

export interface ConnectionInfo {
  ClusterIdentifier?: string;
  DbUser?: string;
  Database?: string;
  SecretArn?: string;
  WorkgroupName?: string;
}

export interface SubStatement {
  id: string;
  sql: string;
  status: StatusString;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  endedAt?: Date;
  error?: string;
  queryId?: number;
  hasResultSet: boolean;
  resultRows: number;
  resultSize: number;
  columns?: ColumnMetadata[];
  records?: Field[][];
}

export interface Statement {
  id: string;
  batch: boolean;
  subs: SubStatement[];
  status: StatusString;
  error?: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  endedAt?: Date;
  pid?: number;
  connection: ConnectionInfo;
  statementName?: string;
  parameters?: SqlParameter[];
  /**
   * BatchExecuteStatement's ExecutionMode AUTO_COMMIT: no transaction of the Data API's own around
   * the Sqls, each commits as it ends unless the batch's own BEGIN opened one. Otherwise (TRANSACTION,
   * the default, and every ExecuteStatement) the Sqls run in one transaction.
   */
  autoCommit: boolean;
  cancelRequested: boolean;
  held: boolean;
  done: Promise<void>;
}

export interface ExecutorOptions {
  pgUrl: string;
  databaseName: string;
  admin: Pool;
  s3: S3Client;
  translate: TranslateOptions;
  logger: Logger;
  /** True while some hold pattern matches one of the statement's SQL texts. */
  isHeld(statement: Statement): boolean;
  changes: EventEmitter;
}

class Cancelled extends Error {}

const QUERY_CANCELED = '57014';
const SERIALIZATION_FAILURE = '40001';
const CHECK_VIOLATION = '23514';
const READ_ONLY_SQL_TRANSACTION = '25006';

/** Return every value as PostgreSQL's text, so the Field mapping below decides the type. */
const rawTypes = { getTypeParser: () => (value: string) => value };

function touch(target: { status: StatusString; updatedAt: Date }, status: StatusString): void {
  target.status = status;
  target.updatedAt = new Date();
}

function fieldFor(value: string | null, typeName: string): Field {
  if (value === null) return { isNull: true };
  switch (typeName) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return { longValue: Number(value) };
    case 'float4':
    case 'float8': {
      const n = Number(value);
      return Number.isFinite(n) ? { doubleValue: n } : { stringValue: value };
    }
    case 'bool':
      return { booleanValue: value === 't' };
    default:
      // numeric/decimal come back as strings, as from the real Data API.
      return { stringValue: value };
  }
}

const SIGNED = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric']);
const CASE_SENSITIVE = new Set(['varchar', 'bpchar', 'text', 'name']);
const PRECISION: Record<string, number> = { int2: 5, int4: 10, int8: 19, float4: 8, float8: 17, bool: 1, date: 13, timestamp: 29, timestamptz: 35 };

export class Executor {
  private readonly typeNames = new Map<number, string>();

  constructor(private readonly options: ExecutorOptions) {}

  async loadTypeNames(): Promise<void> {
    const { rows } = await this.options.admin.query<{ oid: number; typname: string }>('SELECT oid::int AS oid, typname FROM pg_type');
    for (const r of rows) this.typeNames.set(r.oid, r.typname);
  }

  private async typeName(client: Client, oid: number): Promise<string> {
    let name = this.typeNames.get(oid);
    if (name === undefined) {
      const { rows } = await client.query<{ typname: string }>('SELECT typname FROM pg_type WHERE oid = $1', [oid]);
      name = rows[0]?.typname ?? 'unknown';
      this.typeNames.set(oid, name);
    }
    return name;
  }

  async run(st: Statement): Promise<void> {
    const { logger } = this.options;
    if (st.cancelRequested) return this.finish(st, 'ABORTED');
    // enable_nestloop=off: tables the Data API just filled (COPY, multi-row INSERTs) have no planner
    // statistics yet, and PostgreSQL then plans their equi-joins as nested loops that rescan a
    // table per row (a full-sample songplays publish: a minute instead of a second). Redshift
    // plans equi-joins as hash or merge joins. A planner preference only: results are the same.
    const client = new Client({ connectionString: this.options.pgUrl, options: '-c TimeZone=UTC -c DateStyle=ISO,MDY -c enable_nestloop=off' });
    client.on('error', () => undefined);
    let inTransaction = false;
    let current: SubStatement | undefined;
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      st.pid = rows[0].pid;
      touch(st, 'PICKED');
      st.subs.forEach((s) => touch(s, 'PICKED'));
      if (st.cancelRequested) throw new Cancelled();

      const params = new Map((st.parameters ?? []).map((p) => [p.name, p.value]));
      const translations: Translated[] = [];
      for (const sub of st.subs) {
        current = sub;
        const statements = parseStatements(sub.sql);
        if (statements.length !== 1) {
          throw new StatementError(statements.length === 0 ? 'empty query' : 'cannot insert multiple commands into a prepared statement');
        }
        translations.push(translateStatement(statements[0], params, this.options.translate));
      }
      // Transaction control only where the batch is not the Data API's own transaction. AWS documents
      // nothing of a BEGIN inside that transaction; the Redshift MCP server's authors found that its
      // commit at the batch's end defeats a BEGIN READ ONLY (awslabs/mcp, redshift.py, _execute_batch).
      // Refused here, so nothing passes on the emulator that might not hold on Redshift.
      const control = translations.findIndex((t) => t.kind === 'control');
      if (control >= 0 && !st.autoCommit) {
        current = st.subs[control];
        throw new StatementError(
          `${current.sql.trim()}: transaction control in a statement the Data API runs as one transaction (ExecuteStatement, or BatchExecuteStatement with ExecutionMode TRANSACTION) is not modelled by the Redshift emulator; use ExecutionMode AUTO_COMMIT`,
        );
      }
      current = undefined;

      const transactional = !st.autoCommit && translations.every((t) => t.kind !== 'sql' || t.transactional);
      st.startedAt = new Date();
      touch(st, 'STARTED');
      if (transactional) {
        // Redshift runs every transaction serializably and aborts one that conflicts with a
        // concurrent one (error 1023); PostgreSQL's SERIALIZABLE aborts such cycles too.
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        inTransaction = true;
      }
      for (let i = 0; i < st.subs.length; i++) {
        current = st.subs[i];
        // On the admin pool: the statement's own connection may be in a read-only transaction.
        const { rows: ids } = await this.options.admin.query<{ id: string }>(`SELECT nextval('redshift_emulator.query_id') AS id`);
        current.queryId = Number(ids[0].id);
        current.startedAt = new Date();
        touch(current, 'STARTED');
        if (st.cancelRequested) throw new Cancelled();
        await this.execute(client, st, current, translations[i]);
        current.endedAt = new Date();
        touch(current, 'FINISHED');
      }
      current = undefined;

      await this.waitWhileHeld(st);
      if (inTransaction) {
        await client.query('COMMIT');
        inTransaction = false;
      }
      st.endedAt = new Date();
      touch(st, 'FINISHED');
    } catch (err) {
      if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
      const cancelled = st.cancelRequested && (err instanceof Cancelled || (err as { code?: string }).code === QUERY_CANCELED);
      const message = cancelled ? 'Query cancelled.' : this.errorText(err);
      if (!cancelled && !(err instanceof StatementError) && !(err instanceof SqlSyntaxError) && (err as { code?: string }).code === undefined) {
        logger.warn({ err, id: st.id }, 'redshift emulator: unexpected statement failure');
      }
      const failedIndex = current === undefined ? -1 : st.subs.indexOf(current);
      st.subs.forEach((sub, i) => {
        if (i === failedIndex) {
          sub.error = message;
          sub.endedAt = new Date();
          touch(sub, cancelled ? 'ABORTED' : 'FAILED');
        } else if (sub.status !== 'FINISHED') {
          // FINISHED subs of a failed batch keep their status; their work was rolled back with the batch.
          touch(sub, 'ABORTED');
        }
      });
      st.error = st.batch && failedIndex >= 0 && !cancelled ? `Query #${failedIndex + 1} failed with ${message}` : message;
      this.finish(st, cancelled ? 'ABORTED' : 'FAILED');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private finish(st: Statement, status: StatusString): void {
    st.endedAt ??= new Date();
    touch(st, status);
    for (const sub of st.subs) if (!TERMINAL.has(sub.status)) touch(sub, 'ABORTED');
    this.options.changes.emit('change');
  }

  private errorText(err: unknown): string {
    const message = (err as { message?: string }).message ?? String(err);
    const constraint = (err as { constraint?: string }).constraint ?? '';
    if ((err as { code?: string }).code === CHECK_VIOLATION && constraint.startsWith(VARCHAR_BYTES_CONSTRAINT)) {
      const bytes = constraint.slice(VARCHAR_BYTES_CONSTRAINT.length).split('_')[0];
      return `ERROR: value too long for type character varying(${bytes})`;
    }
    if ((err as { code?: string }).code === READ_ONLY_SQL_TRANSACTION) {
      // Redshift's text for a write in a read-only transaction is PostgreSQL 8's, without the
      // statement's name (as reported by Redshift users, e.g. awslabs/mcp issue 1966: AWS documents
      // no error texts); PostgreSQL's own is "cannot execute DELETE in a read-only transaction".
      return 'ERROR: transaction is read-only';
    }
    if ((err as { code?: string }).code === SERIALIZATION_FAILURE) {
      // Redshift's text for the same condition (Troubleshooting serializable isolation errors).
      return `ERROR: 1023 DETAIL: Serializable isolation violation on table in Redshift (${message})`;
    }
    return message.startsWith('ERROR: ') ? message : `ERROR: ${message}`;
  }

  private async waitWhileHeld(st: Statement): Promise<void> {
    const { changes, isHeld } = this.options;
    while (isHeld(st) && !st.cancelRequested) {
      st.held = true;
      changes.emit('held', st);
      await new Promise<void>((resolve) => changes.once('change', () => resolve()));
    }
    st.held = false;
    if (st.cancelRequested) throw new Cancelled();
  }

  private async execute(client: Client, st: Statement, sub: SubStatement, t: Translated): Promise<void> {
    if (t.kind === 'ignored') {
      sub.resultRows = 0;
      return;
    }
    if (t.kind === 'control') {
      await client.query(t.sql);
      sub.resultRows = 0;
      return;
    }
    if (t.kind === 'copy') {
      const command = parseCopy(t.tokens);
      const rows = await executeCopy(client, command, {
        s3: this.options.s3,
        throwIfCancelled: () => {
          if (st.cancelRequested) throw new Cancelled();
        },
        recordLoadErrors: async (table, errors) => {
          const { rows: tx } = await client.query<{ txid: string }>('SELECT txid_current() AS txid');
          await insertLoadErrors(
            this.options.admin,
            {
              queryId: sub.queryId!,
              transactionId: Number(tx[0].txid),
              sessionId: st.pid!,
              databaseName: this.options.databaseName,
              tableId: table.oid,
              startTime: sub.startedAt!,
            },
            errors,
          );
        },
        recordLoadCommits: (files) => insertLoadCommits(client, sub.queryId!, files),
      });
      sub.resultRows = rows;
      return;
    }
    const result = await client.query<unknown[]>({ text: t.sql, values: t.values, rowMode: 'array', types: rawTypes });
    if (result.fields.length === 0) {
      sub.resultRows = result.rowCount ?? 0;
      return;
    }
    const types = await Promise.all(result.fields.map((f) => this.typeName(client, f.dataTypeID)));
    sub.hasResultSet = true;
    sub.columns = await this.columnMetadata(client, result.fields, types);
    let size = 0;
    sub.records = result.rows.map((row, at) => {
      let rowBytes = 0;
      const fields = row.map((value, i) => {
        const text = value as string | null;
        if (text !== null) rowBytes += Buffer.byteLength(text);
        return fieldFor(text, types[i]);
      });
      if (rowBytes > MAX_RESULT_ROW_BYTES) throw new StatementError(`Packet for query is too large: row ${at + 1} of the result is ${rowBytes} bytes, more than the Data API's ${MAX_RESULT_ROW_BYTES}`);
      size += rowBytes;
      return fields;
    });
    if (size > MAX_RESULT_BYTES) throw new StatementError(`Database response exceeded size limit: the result is ${size} bytes, more than the Data API's ${MAX_RESULT_BYTES}`);
    sub.resultRows = sub.records.length;
    sub.resultSize = size;
  }

  private async columnMetadata(client: Client, fields: FieldDef[], types: string[]): Promise<ColumnMetadata[]> {
    const tableIds = [...new Set(fields.map((f) => f.tableID).filter((id) => id !== 0))];
    const info = new Map<string, { schema: string; table: string; notNull: boolean }>();
    if (tableIds.length > 0) {
      const { rows } = await client.query<{ oid: number; attnum: number; schema: string; table: string; notnull: boolean }>(
        `SELECT c.oid::int AS oid, a.attnum, n.nspname AS schema, c.relname AS table, a.attnotnull AS notnull
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
          WHERE c.oid = ANY($1::oid[]) AND a.attnum > 0`,
        [tableIds],
      );
      for (const r of rows) info.set(`${r.oid}:${r.attnum}`, { schema: r.schema, table: r.table, notNull: r.notnull });
    }
    return fields.map((f, i) => {
      const typeName = types[i];
      const source = info.get(`${f.tableID}:${f.columnID}`);
      const mod = f.dataTypeModifier;
      let precision = PRECISION[typeName] ?? 0;
      let scale = 0;
      let length = 0;
      if ((typeName === 'varchar' || typeName === 'bpchar') && mod > 4) precision = length = mod - 4;
      if (typeName === 'varchar' && mod <= 4) precision = length = 65535;
      if (typeName === 'numeric' && mod > 4) {
        precision = ((mod - 4) >> 16) & 0xffff;
        scale = (mod - 4) & 0xffff;
      }
      return {
        isCaseSensitive: CASE_SENSITIVE.has(typeName),
        isCurrency: false,
        isSigned: SIGNED.has(typeName),
        label: f.name,
        name: f.name,
        nullable: source === undefined ? 1 : source.notNull ? 0 : 1,
        precision,
        scale,
        schemaName: source?.schema ?? '',
        tableName: source?.table ?? '',
        typeName,
        length,
      };
    });
  }
}
