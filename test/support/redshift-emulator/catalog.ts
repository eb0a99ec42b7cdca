/**
 * The emulator's own objects in the target database: the load-error table behind Redshift's
 * sys_load_error_detail / stl_load_errors views, the query-id sequence, and Redshift-only functions.
 */
import type { ClientBase, Pool } from 'pg';
import type { LoadedFile, LoadError } from './copy';
import { EMULATED_FUNCTIONS, EMULATOR_SCHEMA } from './translate';

const S = EMULATOR_SCHEMA;

/** Redshift's first regular user id; the emulator runs everything as one user. */
export const EMULATED_USER_ID = 100;

export async function ensureCatalog(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Two emulators on one database must not race on CREATE ... IF NOT EXISTS.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${S}'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    await client.query(`CREATE SEQUENCE IF NOT EXISTS ${S}.query_id START 1000`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${S}.load_errors (
        user_id integer NOT NULL,
        query_id bigint NOT NULL,
        transaction_id bigint NOT NULL,
        session_id integer NOT NULL,
        database_name text NOT NULL,
        table_id integer NOT NULL,
        start_time timestamp NOT NULL,
        file_name text NOT NULL,
        line_number bigint NOT NULL,
        column_name text NOT NULL,
        column_type text NOT NULL,
        column_length text NOT NULL,
        position integer NOT NULL,
        error_code integer NOT NULL,
        error_message text NOT NULL,
        raw_line text NOT NULL,
        raw_field_value text NOT NULL
      )`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${S}.load_commits (
        user_id integer NOT NULL,
        query_id bigint NOT NULL,
        file_name text NOT NULL,
        bytes_scanned bigint NOT NULL,
        lines_scanned bigint NOT NULL,
        errors integer NOT NULL,
        start_time timestamp NOT NULL,
        end_time timestamp NOT NULL,
        file_etag text NOT NULL
      )`);
    // One row per file a committed COPY loaded, under Redshift's names (STL_LOAD_COMMITS on
    // provisioned clusters, SYS_LOAD_DETAIL on Serverless and newer clusters).
    await client.query(`
      CREATE OR REPLACE VIEW ${S}.stl_load_commits AS
      SELECT user_id AS userid, query_id::integer AS query, 0 AS slice, file_name::char(256) AS name, file_name::char(256) AS filename,
             0 AS byte_offset, lines_scanned::integer AS lines_scanned, errors, end_time AS curtime, 1 AS status,
             'JSON'::char(16) AS file_format, 0 AS is_partial, 0::bigint AS start_offset, 0::bigint AS copy_job_id
        FROM ${S}.load_commits`);
    await client.query(`
      CREATE OR REPLACE VIEW ${S}.sys_load_detail AS
      SELECT user_id, query_id, file_name::char(256) AS file_name, bytes_scanned, lines_scanned, end_time AS record_time,
             1 AS splits_scanned, start_time, end_time, file_etag::char(256) AS file_etag, end_time AS file_last_modified
        FROM ${S}.load_commits`);
    // Column names and types as documented for Redshift's views.
    await client.query(`
      CREATE OR REPLACE VIEW ${S}.sys_load_error_detail AS
      SELECT user_id, query_id, transaction_id, session_id, database_name::char(64) AS database_name, table_id, start_time,
             file_name::char(256) AS file_name, line_number, column_name::char(127) AS column_name,
             column_type::char(10) AS column_type, column_length::char(10) AS column_length, position, error_code,
             error_message::char(512) AS error_message
        FROM ${S}.load_errors`);
    await client.query(`
      CREATE OR REPLACE VIEW ${S}.stl_load_errors AS
      SELECT user_id AS userid, 0 AS slice, table_id AS tbl, start_time AS starttime, session_id AS session,
             query_id::integer AS query, file_name::char(256) AS filename, line_number, column_name::char(127) AS colname,
             column_type::char(10) AS type, column_length::char(10) AS col_length, position,
             raw_line::char(1024) AS raw_line, raw_field_value::char(1024) AS raw_field_value,
             error_code AS err_code, error_message::char(100) AS err_reason, 0 AS is_partial, 0::bigint AS start_offset,
             0::bigint AS copy_job_id
        FROM ${S}.load_errors`);
    for (const [name, definition] of Object.entries(EMULATED_FUNCTIONS)) {
      await client.query(`CREATE OR REPLACE FUNCTION ${S}.${name}${definition}`);
    }
    await client.query(`GRANT USAGE ON SCHEMA ${S} TO PUBLIC`);
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${S} TO PUBLIC`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface LoadErrorContext {
  queryId: number;
  transactionId: number;
  sessionId: number;
  databaseName: string;
  tableId: number;
  startTime: Date;
}

export async function insertLoadErrors(pool: Pool, ctx: LoadErrorContext, errors: LoadError[]): Promise<void> {
  const col = <K extends keyof LoadError>(key: K): Array<LoadError[K]> => errors.map((e) => e[key]);
  await pool.query(
    `INSERT INTO ${S}.load_errors (user_id, query_id, transaction_id, session_id, database_name, table_id, start_time,
        file_name, line_number, column_name, column_type, column_length, position, error_code, error_message, raw_line, raw_field_value)
     SELECT $1, $2, $3, $4, $5, $6, $7::timestamptz AT TIME ZONE 'UTC', u.*
       FROM unnest($8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::int[], $14::int[], $15::text[], $16::text[], $17::text[]) AS u`,
    [
      EMULATED_USER_ID,
      ctx.queryId,
      ctx.transactionId,
      ctx.sessionId,
      ctx.databaseName,
      ctx.tableId,
      ctx.startTime.toISOString(),
      col('fileName'),
      col('lineNumber'),
      col('columnName'),
      col('columnType'),
      col('columnLength'),
      col('position'),
      col('errorCode'),
      col('errorMessage'),
      // PostgreSQL text can't hold NUL; Redshift replaces unprintable bytes in raw_line too.
      col('rawLine').map((s) => s.replaceAll('\u0000', '.')),
      col('rawFieldValue').map((s) => s.replaceAll('\u0000', '.')),
    ],
  );
}

/** The per-file rows of a COPY, written in its own transaction (so a rolled-back COPY leaves none). */
export async function insertLoadCommits(client: ClientBase, queryId: number, files: LoadedFile[]): Promise<void> {
  if (files.length === 0) return;
  const col = <K extends keyof LoadedFile>(key: K): Array<LoadedFile[K]> => files.map((f) => f[key]);
  await client.query(
    `INSERT INTO ${S}.load_commits (user_id, query_id, file_name, bytes_scanned, lines_scanned, errors, start_time, end_time, file_etag)
     SELECT $1, $2, u.file_name, u.bytes, u.lines, u.errors, u.started AT TIME ZONE 'UTC', u.ended AT TIME ZONE 'UTC', u.etag
       FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::int[], $7::timestamptz[], $8::timestamptz[], $9::text[])
            AS u(file_name, bytes, lines, errors, started, ended, etag)`,
    [
      EMULATED_USER_ID,
      queryId,
      col('fileName'),
      col('bytesScanned'),
      col('linesScanned'),
      col('errors'),
      col('startTime').map((d) => d.toISOString()),
      col('endTime').map((d) => d.toISOString()),
      col('etag'),
    ],
  );
}
