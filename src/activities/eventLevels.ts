import type { StageResult } from '../etl/types';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { REJECT_SAMPLES, withMoreRejectSamples } from './staging';

/**
 * Rejects the run's staged events of a user whose level is not 'free' or 'paid', with file, line
 * and reason, after any staging path (the worker's parser, DuckDB's reader, Redshift's COPY), and
 * counts them in the result (the caller checks the reject rate over all rejects). One such event
 * (a "FREE", a level missing) went into users or songplays, and the quality checks then failed
 * every run after the publish.
 */
export async function rejectEventsWithBadLevel(warehouse: Warehouse, runId: string, result: StageResult, signal?: AbortSignal): Promise<StageResult> {
  if (result.kind !== 'events' || result.recordsStaged === 0) return result;
  const found = await warehouse.query(sqlStatement('staging/events_with_bad_level', warehouse.dialect, { run_id: runId, samples: REJECT_SAMPLES }), { signal });
  if (found.length === 0) return result;
  await warehouse.execute(sqlStatements('staging/reject_events_with_bad_level', warehouse.dialect, { run_id: runId }), { signal });
  const events = Number(found[0].events);
  const samples = found.map((row) => ({ sourceKey: String(row.source_key), sourceLine: Number(row.source_line), reason: String(row.reason) }));
  return {
    ...result,
    recordsStaged: result.recordsStaged - events,
    recordsRejected: result.recordsRejected + events,
    rejectSamples: withMoreRejectSamples(result.rejectSamples, samples),
  };
}
