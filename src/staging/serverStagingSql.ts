import { EVENT_FIELDS, FIELDS_BY_KIND } from '../etl/records';
import type { RecordKind } from '../etl/types';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Dialect, ServerStagingRequest } from '../warehouse/types';
import { clearStagingStatements, STAGING_TABLE } from './stagingSql';

const REJECT_SAMPLES = 5;

/**
 * The JSONPaths file for event logs: their keys are camelCase (firstName, userId, …) and COPY's
 * JSON 'auto' matches keys to column names exactly, so each column names its key. Song files
 * have snake_case keys that equal the columns, so they load with 'auto'.
 */
export function eventJsonPaths(): string {
  return JSON.stringify({ jsonpaths: EVENT_FIELDS.map((f) => `$['${f.key}']`) }, null, 2) + '\n';
}

/**
 * What the pipeline hands a warehouse that stages S3 files itself: the staging table and its
 * source-field columns, and its statements (sql/staging/clear_*.sql, sql/staging/redshift/copy_*.sql,
 * sql/staging/reject_samples.sql) rendered for the run, kind and source.
 */
export function serverStagingPlan(
  dialect: Dialect,
  request: { runId: string; kind: RecordKind; sourceUrl: string },
): Pick<ServerStagingRequest, 'table' | 'columns' | 'jsonPaths' | 'sql'> {
  const { runId, kind, sourceUrl } = request;
  const params = { run_id: runId, kind, source_url: sourceUrl };
  return {
    table: STAGING_TABLE[kind],
    columns: FIELDS_BY_KIND[kind].map((f) => f.column),
    jsonPaths: kind === 'events' ? eventJsonPaths() : undefined,
    sql: {
      clear: clearStagingStatements(dialect, runId, kind),
      keepLoaded(loaded, sourceKey) {
        const name = `staging/redshift/copy_keep_${kind}`;
        const statements = sqlStatements(name, dialect, { run_id: runId, source_key: sourceKey, loaded });
        if (statements.length !== 2) throw new Error(`sql/${name}.sql should hold 2 statements (reject, then stage), holds ${statements.length}`);
        return { reject: statements[0], stage: statements[1] };
      },
      keepLoadErrors: (loadErrors) => sqlStatement('staging/redshift/copy_keep_load_errors', dialect, { ...params, load_errors: loadErrors }),
      keepFileCounts: (fileRecords) => sqlStatements('staging/redshift/copy_file_counts', dialect, { ...params, file_records: fileRecords }),
      rejectSamples: sqlStatement('staging/reject_samples', dialect, { run_id: runId, kind, limit: REJECT_SAMPLES }),
    },
  };
}
