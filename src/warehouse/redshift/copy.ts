import type { RecordKind } from '../../etl/types';
import { sqlLiteral as anyLiteral, sqlStatement, type SqlParam } from '../sql';
import { quoteIdent } from './append';
import type { RedshiftSettings } from './uri';

/** Literals for Redshift, which reads backslashes in them as escapes. */
const sqlLiteral = (value: SqlParam): string => anyLiteral(value, 'redshift');

/**
 * A COPY manifest naming exactly these files, in pieces of an entry each, so that it is never held
 * whole; each is mandatory, so a missing file fails the COPY.
 */
export async function* manifestPieces(urls: AsyncIterable<string>): AsyncGenerator<string> {
  let entries = 0;
  yield '{"entries": [';
  for await (const url of urls) yield `${entries++ === 0 ? '' : ','}\n  ${JSON.stringify({ url, mandatory: true })}`;
  yield '\n]}\n';
}

/** The session table a COPY of a kind fills; dropped with the batch's session. */
export const COPY_TEMP_TABLE: Record<RecordKind, string> = { events: 'copy_events', songs: 'copy_songs' };

/**
 * The engine's half of one COPY batch: a session table with the staging table's column types for
 * the loaded columns, and the COPY of the manifest's files into it. The pipeline's statements
 * (ServerStagingSql) follow in the same batch, so the same transaction.
 */
/** A table or column name as the COPY batch writes it: bare, so only plain lowercase names are taken. */
function plainName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain lowercase table or column name`);
  return name;
}

export function copyStatements(
  settings: RedshiftSettings,
  request: { table: string; columns: readonly string[]; temp: string; manifestUrl: string; jsonPathsUrl?: string },
): string[] {
  const columns = request.columns.map(plainName).join(', ');
  const temp = plainName(request.temp);
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
  return [
    `CREATE TEMP TABLE ${temp} AS SELECT ${columns} FROM ${plainName(request.table)} WHERE 1 = 0`,
    `COPY ${temp} (${columns}) FROM ${sqlLiteral(request.manifestUrl)} ${options.join(' ')}`,
  ];
}

export type LoadErrorView = 'sys_load_error_detail' | 'stl_load_errors';

const VIEW_FILES = { sys_load_error_detail: 'sys', stl_load_errors: 'stl' } as const;

/** The load errors of one COPY (sql/redshift/load_errors_sys.sql or _stl.sql). */
export function loadErrorsQuery(view: LoadErrorView, queryId: number): string {
  return sqlStatement(`redshift/load_errors_${VIEW_FILES[view]}`, 'redshift', { query_id: queryId });
}

/** Records per file of one COPY (sql/redshift/file_records_sys.sql or _stl.sql). */
export function fileRecordsQuery(view: LoadErrorView, queryId: number): string {
  return sqlStatement(`redshift/file_records_${VIEW_FILES[view]}`, 'redshift', { query_id: queryId });
}

/** A session table holding a query's rows, for the pipeline's statements to read in the same batch. */
export function sessionTable(name: string, query: string): string {
  const select = query.replace(/^(\s*--[^\n]*\n)+/, '');
  return `CREATE TEMP TABLE ${quoteIdent(name)} AS ${select}`;
}
