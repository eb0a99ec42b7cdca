import { ApplicationFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../errors';
import type { StageResult } from '../etl/types';
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

const NAMED_LOGS = 3;

/**
 * Fails the event staging, without retry, when the logs that had records rejected and none staged
 * hold more than `maxRejectRate` of the run's event bytes. A log that is one JSON array, or whose
 * lines end in CR alone, is one rejected record however many events it holds: the record reject
 * rate let a whole day through as "1 rejected" while the run completed without it.
 */
export async function checkLogsStaged(warehouse: Warehouse, runId: string, result: StageResult, maxRejectRate: number, signal?: AbortSignal): Promise<void> {
  if (result.kind !== 'events' || result.recordsRejected === 0 || maxRejectRate >= 1) return;
  const logs = await warehouse.query(sqlStatement('staging/logs_without_staged_events', warehouse.dialect, { run_id: runId }), { signal });
  if (logs.length === 0) return;
  const lostBytes = logs.reduce((sum, l) => sum + Number(l.size ?? 0), 0);
  const runBytes = Number(logs[0].run_bytes ?? 0);
  const share = runBytes > 0 ? lostBytes / runBytes : 1;
  if (share <= maxRejectRate) return;
  const named = logs
    .slice(0, NAMED_LOGS)
    .map((l) => `${String(l.source_key)} (${Number(l.rejects)} rejected, none staged; line ${Number(l.first_line)}: ${String(l.first_reason)})`);
  const more = logs.length > NAMED_LOGS ? ` and ${logs.length - NAMED_LOGS} more` : '';
  throw ApplicationFailure.nonRetryable(
    `${logs.length} event log(s) without a record staged hold ${(share * 100).toFixed(2)}% of the run's event bytes ` +
      `(limit ${(maxRejectRate * 100).toFixed(2)}%): ${named.join('; ')}${more}. A log holds one JSON object per line; ` +
      'the rejects are kept in etl_rejected_records',
    ERROR_TYPES.invalidInput,
    result,
  );
}
