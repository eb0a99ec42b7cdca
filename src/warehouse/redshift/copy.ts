import { EVENT_FIELDS, FIELDS_BY_KIND, STAGING_EVENT_COLUMNS, STAGING_SONG_COLUMNS } from '../../etl/records';
import type { RecordKind } from '../../etl/types';
import { sqlLiteral as anyLiteral, type SqlParam } from '../sql';

/** Literals for Redshift, which reads backslashes in them as escapes. */
const sqlLiteral = (value: SqlParam): string => anyLiteral(value, 'redshift');
import type { RedshiftSettings } from './uri';

const TABLES: Record<RecordKind, { table: string; columns: readonly string[] }> = {
  events: { table: 'staging_events', columns: STAGING_EVENT_COLUMNS },
  songs: { table: 'staging_songs', columns: STAGING_SONG_COLUMNS },
};

/** The source fields of a kind: its staging columns without the lineage ones. */
function fieldColumns(kind: RecordKind): string[] {
  return FIELDS_BY_KIND[kind].map((f) => f.column);
}

/**
 * The JSONPaths file for event logs: their keys are camelCase (firstName, userId, …) and COPY's
 * JSON 'auto' matches keys to column names exactly, so each column names its key. Song files
 * have snake_case keys that equal the columns, so they load with 'auto'.
 */
export function eventJsonPaths(): string {
  return JSON.stringify({ jsonpaths: EVENT_FIELDS.map((f) => `$['${f.key}']`) }, null, 2) + '\n';
}

/** A COPY manifest naming exactly these files; each is mandatory, so a missing file fails the COPY. */
export function manifest(urls: readonly string[]): string {
  return JSON.stringify({ entries: urls.map((url) => ({ url, mandatory: true })) }, null, 2) + '\n';
}

/**
 * Records COPY accepted but the client-side parser would reject (src/etl/records.ts): a
 * required field missing, or a userId that is not digits. As SQL: a reason, or NULL when valid.
 */
function rejectReason(kind: RecordKind): string {
  const cases = FIELDS_BY_KIND[kind]
    .filter((f) => f.required)
    .map((f) => `WHEN ${f.column} IS NULL THEN ${sqlLiteral(`field "${f.key}" is missing`)}`);
  // COPY runs with TRUNCATECOLUMNS so one over-long value can't fail the whole load; a value that
  // reached the column's limit was (or may have been) cut, so its record is rejected, saying so.
  for (const f of FIELDS_BY_KIND[kind].filter((x) => x.type === 'string')) {
    cases.push(
      // A cut stops before a multi-byte character that doesn't fit: up to 3 bytes short of the limit.
      `WHEN OCTET_LENGTH(${f.column}) > ${MAX_TEXT_BYTES - 4} THEN ${sqlLiteral(`field "${f.key}" reaches the ${MAX_TEXT_BYTES}-byte limit of a Redshift VARCHAR (cut by COPY)`)}`,
    );
  }
  if (kind === 'events') {
    cases.push(`WHEN TRIM(userid) <> '' AND NOT (TRIM(userid) ~ '^[0-9]+$') THEN 'field "userId" should be digits or empty, got ' || userid`);
    // The star tables cast userId to INTEGER: digits beyond its range are rejected here, not left to fail a later step.
    const digits = `LTRIM(TRIM(userid), '0')`;
    cases.push(`WHEN LENGTH(${digits}) > 10 OR (LENGTH(${digits}) = 10 AND ${digits} > '2147483647') THEN 'field "userId" is out of range for INTEGER, got ' || LEFT(userid, 80)`);
  }
  return `CASE ${cases.join(' ')} END`;
}

/** Redshift's largest VARCHAR, the staging text columns' type ({{text}} in sql/warehouse/sql.ts). */
export const MAX_TEXT_BYTES = 65535;

export interface CopyPlan {
  sqls: string[];
  /** Positions in `sqls` of the statements whose row counts the result needs. */
  copyAt: number;
  rejectsAt: number;
  stagedAt: number;
}

export const COPY_TEMP_TABLE: Record<RecordKind, string> = { events: 'copy_events', songs: 'copy_songs' };

/**
 * One batch, so one transaction: COPY the manifest's files into a temp table, set aside what the
 * client parser would reject, and replace the run's staging rows and rejects with the rest.
 * COPY can't tell which file a row came from, so the staging rows carry the run id but no
 * source_key or source_line (see docs/redshift.md).
 */
export function copyBatch(
  settings: RedshiftSettings,
  request: { runId: string; kind: RecordKind; manifestUrl: string; jsonPathsUrl?: string; sourceKey?: string },
): CopyPlan {
  const { runId, kind } = request;
  // A COPY of one file (every daily run's events): its rows and rejects are that file's.
  const key = request.sourceKey === undefined ? 'NULL' : sqlLiteral(request.sourceKey);
  const { table } = TABLES[kind];
  const temp = COPY_TEMP_TABLE[kind];
  const fields = fieldColumns(kind).join(', ');
  const run = sqlLiteral(runId);
  const options = [
    `IAM_ROLE ${settings.iamRole === 'default' ? 'default' : sqlLiteral(settings.iamRole)}`,
    `FORMAT AS JSON ${request.jsonPathsUrl ? sqlLiteral(request.jsonPathsUrl) : "'auto'"}`,
    'MANIFEST',
    ...(settings.s3Region ? [`REGION ${sqlLiteral(settings.s3Region)}`] : []),
    `MAXERROR ${settings.maxError}`,
    'TRUNCATECOLUMNS',
    // A temp table is dropped with the batch: analysing or choosing encodings for it is wasted work.
    'COMPUPDATE OFF',
    'STATUPDATE OFF',
  ];
  const sqls = [
    `CREATE TEMP TABLE ${temp} AS SELECT ${fields} FROM ${table} WHERE 1 = 0`,
    `COPY ${temp} (${fields}) FROM ${sqlLiteral(request.manifestUrl)} ${options.join(' ')}`,
    `DELETE FROM etl_rejected_records WHERE run_id = ${run} AND kind = ${sqlLiteral(kind)}`,
    `INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw) ` +
      `SELECT ${run}, ${sqlLiteral(kind)}, ${key}, NULL, reason, NULL FROM (SELECT ${rejectReason(kind)} AS reason FROM ${temp}) AS checked WHERE reason IS NOT NULL`,
    deleteStaged(runId, kind),
    `INSERT INTO ${table} (run_id, source_key, source_line, ${fields}) ` +
      `SELECT ${run}, ${key}, NULL, ${fields} FROM ${temp} WHERE (${rejectReason(kind)}) IS NULL`,
  ];
  return { sqls, copyAt: 1, rejectsAt: 3, stagedAt: 5 };
}

/** Removes what this run (or an earlier run, for the same files) staged: the same rule as client-side staging. */
export function deleteStaged(runId: string, kind: RecordKind): string {
  const run = sqlLiteral(runId);
  return (
    `DELETE FROM ${TABLES[kind].table} WHERE run_id = ${run} OR source_key IN ` +
    `(SELECT source_key FROM etl_run_files WHERE run_id = ${run} AND kind = ${sqlLiteral(kind)})`
  );
}

export type LoadErrorView = 'sys_load_error_detail' | 'stl_load_errors';

/**
 * Replaces the run's per-file counts for a kind with those of one COPY: lines scanned per file
 * (SYS_LOAD_DETAIL on Serverless and current clusters, STL_LOAD_COMMITS where SYS views are
 * missing; a split file has several rows) minus the file's load errors. Event logs and song files
 * hold one JSON record per line, so lines are records.
 */
export function fileCountsStatements(view: LoadErrorView, queryId: number, request: { runId: string; kind: RecordKind; sourceUrl: string }): string[] {
  const run = sqlLiteral(request.runId);
  const kind = sqlLiteral(request.kind);
  const scanned =
    view === 'sys_load_error_detail'
      ? `SELECT TRIM(file_name) AS file_name, SUM(lines_scanned) AS lines FROM sys_load_detail WHERE query_id = ${queryId} GROUP BY TRIM(file_name)`
      : `SELECT TRIM(filename) AS file_name, SUM(lines_scanned) AS lines FROM stl_load_commits WHERE query = ${queryId} GROUP BY TRIM(filename)`;
  const errors =
    view === 'sys_load_error_detail'
      ? `SELECT TRIM(file_name) AS file_name, COUNT(*) AS errors FROM sys_load_error_detail WHERE query_id = ${queryId} GROUP BY TRIM(file_name)`
      : `SELECT TRIM(filename) AS file_name, COUNT(*) AS errors FROM stl_load_errors WHERE query = ${queryId} GROUP BY TRIM(filename)`;
  return [
    `DELETE FROM etl_file_counts WHERE run_id = ${run} AND kind = ${kind}`,
    `INSERT INTO etl_file_counts (run_id, kind, source_key, records) ` +
      `SELECT ${run}, ${kind}, REPLACE(s.file_name, ${sqlLiteral(request.sourceUrl)}, ''), s.lines - COALESCE(e.errors, 0) ` +
      `FROM (${scanned}) AS s LEFT JOIN (${errors}) AS e ON e.file_name = s.file_name`,
  ];
}

/** The load errors of one COPY, from SYS_LOAD_ERROR_DETAIL (Serverless and current clusters) or STL_LOAD_ERRORS. */
export function loadErrorsQuery(view: LoadErrorView, queryId: number): string {
  return view === 'sys_load_error_detail'
    ? `SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(column_type) AS column_type, ` +
        `CAST(NULL AS VARCHAR) AS raw_value, CAST(NULL AS VARCHAR) AS raw_line, error_code, TRIM(error_message) AS error_message ` +
        `FROM sys_load_error_detail WHERE query_id = ${queryId} ORDER BY file_name, line_number`
    : `SELECT TRIM(filename) AS file_name, line_number, TRIM(colname) AS column_name, TRIM(type) AS column_type, ` +
        `TRIM(raw_field_value) AS raw_value, TRIM(raw_line) AS raw_line, err_code AS error_code, TRIM(err_reason) AS error_message ` +
        `FROM stl_load_errors WHERE query = ${queryId} ORDER BY filename, line_number`;
}

/** Copies one COPY's load errors into etl_rejected_records, with source keys relative to the source root. */
export function insertLoadErrors(view: LoadErrorView, queryId: number, request: { runId: string; kind: RecordKind; sourceUrl: string }): string {
  const reason =
    `CASE WHEN column_name IS NULL OR column_name = '' THEN '' ELSE 'column ' || column_name || ' (' || column_type || '): ' END` +
    ` || error_message || ' (load error ' || CAST(error_code AS VARCHAR) || ')'` +
    ` || CASE WHEN raw_value IS NULL OR raw_value = '' THEN '' ELSE ', value ' || raw_value END`;
  return (
    `INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw) ` +
    `SELECT ${sqlLiteral(request.runId)}, ${sqlLiteral(request.kind)}, REPLACE(file_name, ${sqlLiteral(request.sourceUrl)}, ''), ` +
    `CAST(line_number AS INTEGER), ${reason}, raw_line FROM (${loadErrorsQuery(view, queryId)}) AS load_errors`
  );
}
