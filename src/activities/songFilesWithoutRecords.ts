import type { StageResult } from '../etl/types';
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { REJECT_SAMPLES, withMoreRejectSamples } from './staging';

export const NO_RECORD_REASON = 'song file holds no JSON object: it is only whitespace, or an empty array';

/**
 * Keeps each staged song file that gave no record at all (neither staged nor rejected) as one
 * rejected record, and counts it in the result (the caller checks the reject rate over all
 * rejects). Every path (DuckDB's reader, the worker's splitter, Redshift's COPY) reads such a file
 * as no record, so it used to load as nothing with no reason anywhere. An event log of only
 * whitespace stays as it is: it is the way to empty a date (docs/hardening.md).
 */
export async function rejectSongFilesWithoutRecords(warehouse: Warehouse, runId: string, result: StageResult, signal?: AbortSignal): Promise<StageResult> {
  if (result.kind !== 'songs') return result;
  const params = { run_id: runId, reason: NO_RECORD_REASON };
  await warehouse.execute(sqlStatement('staging/reject_song_files_without_records', warehouse.dialect, params), { signal });
  const found = await warehouse.query(sqlStatement('staging/song_files_without_records', warehouse.dialect, { ...params, samples: REJECT_SAMPLES }), { signal });
  if (found.length === 0) return result;
  const files = Number(found[0].files);
  const samples = found.map((row) => ({ sourceKey: String(row.source_key), sourceLine: 1, reason: NO_RECORD_REASON }));
  return {
    ...result,
    recordsRead: result.recordsRead + files,
    recordsRejected: result.recordsRejected + files,
    rejectSamples: withMoreRejectSamples(result.rejectSamples, samples),
  };
}
