import type { RecordKind, RejectSample, StageResult } from '../etl/types';
import type { Source } from '../source';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { LineStaging, LineStagingStatements, StatementOptions, Warehouse } from '../warehouse/types';
import { rawLinesOf, type ReadProgress } from './rawLines';

/** Raw text kept with a rejected record, in characters. */
export const MAX_RAW_KEPT = 65_536;
/** Rejects named in the result (and so in failure messages, history and summaries). */
export const REJECT_SAMPLES = 5;
/** Heartbeat at least this often while lines stream in, and while the warehouse parses them. */
const PROGRESS_EVERY_MS = 5_000;
const PROGRESS_EVERY_LINES = 100_000;

export interface WarehouseStagingOptions {
  runId: string;
  kind: RecordKind;
  keys: readonly string[];
  source: Source;
  warehouse: Warehouse & LineStaging;
  statementOptions?: StatementOptions;
  /** Called with progress details every few seconds or PROGRESS_EVERY_LINES lines, and while SQL runs. */
  heartbeat: (details: unknown) => void;
}

/** Raw lines the warehouse holds at once: parsed, checked and staged chunk by chunk. */
export const CHUNK_LINES = 200_000;

/** The statements of one staging call, in the warehouse's dialect (see sql/staging/). */
export function stagingStatements(warehouse: Warehouse, runId: string, kind: RecordKind): LineStagingStatements {
  const d = warehouse.dialect;
  const params = { run_id: runId, raw_cap: MAX_RAW_KEPT };
  return {
    before: [...sqlStatements(`staging/clear_${kind}`, d, params), ...sqlStatements('staging/raw_lines', d), ...sqlStatements(`staging/${d}/functions`, d)],
    eachChunk: [
      ...sqlStatements(`staging/${d}/extract_${kind}`, d),
      ...sqlStatements(`staging/check_${kind}`, d),
      ...sqlStatements(`staging/insert_${kind}`, d, params),
      ...sqlStatements('staging/next_chunk', d),
    ],
    after: [...sqlStatements(`staging/analyze_${kind}`, d), ...sqlStatements('staging/drop_work_tables', d)],
    chunkLines: CHUNK_LINES,
  };
}

/**
 * Stages the listed files set-based: raw lines stream from the source into the warehouse, which
 * parses, types, checks and rejects them in SQL, replacing what this run or these files staged
 * before, in one transaction. Memory stays bounded: lines flow through in batches, and counts and
 * the first rejects are read back from the warehouse.
 */
export async function stageInWarehouse(options: WarehouseStagingOptions): Promise<StageResult> {
  const { runId, kind, keys, source, warehouse, heartbeat } = options;
  const progress: ReadProgress = { filesDone: 0, bytes: 0, lines: 0 };
  const details = () => ({ kind, files: keys.length, filesDone: progress.filesDone, lines: progress.lines, file: progress.file, line: progress.line });

  let lastBeat = Date.now();
  let linesAtBeat = 0;
  const onProgress = () => {
    if (Date.now() - lastBeat >= PROGRESS_EVERY_MS || progress.lines - linesAtBeat >= PROGRESS_EVERY_LINES) {
      lastBeat = Date.now();
      linesAtBeat = progress.lines;
      heartbeat(details());
    }
  };
  // While the warehouse works on its own (parse and check after the last line) nothing else
  // heartbeats: a timer does, so a long statement never looks like a dead worker.
  const keepalive = setInterval(() => {
    if (Date.now() - lastBeat >= PROGRESS_EVERY_MS) {
      lastBeat = Date.now();
      heartbeat({ ...details(), parsing: progress.filesDone === keys.length });
    }
  }, PROGRESS_EVERY_MS);
  heartbeat(details());
  try {
    await warehouse.stageLines(rawLinesOf(kind, keys, source, progress, onProgress), stagingStatements(warehouse, runId, kind), options.statementOptions);
  } finally {
    clearInterval(keepalive);
  }
  heartbeat(details());

  const d = warehouse.dialect;
  const [counts] = await warehouse.query(sqlStatement('staging/staged_counts', d, { run_id: runId, kind }), options.statementOptions);
  const samples = await warehouse.query(sqlStatement('staging/reject_samples', d, { run_id: runId, kind, limit: REJECT_SAMPLES }), options.statementOptions);
  const recordsStaged = Number(counts.staged);
  const recordsRejected = Number(counts.rejected);
  return {
    kind,
    files: keys.length,
    bytes: progress.bytes,
    recordsRead: recordsStaged + recordsRejected,
    recordsStaged,
    recordsRejected,
    rejectSamples: samples.map((r): RejectSample => ({ sourceKey: String(r.source_key), sourceLine: Number(r.source_line), reason: String(r.reason) })),
  };
}
