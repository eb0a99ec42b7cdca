import type { RecordKind, RejectSample, StageResult } from '../etl/types';
import { sqlStatement } from '../warehouse/sql';
import type { StatementOptions, Warehouse } from '../warehouse/types';

/** Raw text kept with a rejected record, in characters. */
export const MAX_RAW_KEPT = 65_536;
/** Rejects named in the result (and so in failure messages, history and summaries). */
export const REJECT_SAMPLES = 5;

/**
 * What a staging call left in the warehouse for its run and kind, read back from it (so memory
 * never holds the rejects): counts of staged and rejected records and the first few rejects.
 */
export async function readStagedResult(
  warehouse: Warehouse,
  staged: { runId: string; kind: RecordKind; files: number; bytes: number },
  statementOptions?: StatementOptions,
  /** The counts as the staging transaction's COPYs reported them (it replaced the run's rows): then not counted again. */
  copied?: { staged: number; rejected: number },
): Promise<StageResult> {
  const { runId, kind } = staged;
  const d = warehouse.dialect;
  const [counts] = copied ? [copied] : await warehouse.query(sqlStatement('staging/staged_counts', d, { run_id: runId, kind }), statementOptions);
  const samples = await warehouse.query(sqlStatement('staging/reject_samples', d, { run_id: runId, kind, limit: REJECT_SAMPLES }), statementOptions);
  const recordsStaged = Number(counts.staged);
  const recordsRejected = Number(counts.rejected);
  return {
    kind,
    files: staged.files,
    bytes: staged.bytes,
    recordsRead: recordsStaged + recordsRejected,
    recordsStaged,
    recordsRejected,
    rejectSamples: samples.map((r): RejectSample => ({ sourceKey: String(r.source_key), sourceLine: Number(r.source_line), reason: String(r.reason) })),
  };
}
