import type { RecordKind, StageResult } from '../etl/types';
import type { Source } from '../source';
import { engineTraits } from '../warehouse/engineTraits';
import { sqlStatements } from '../warehouse/sql';
import { attachStagingPartitionStatements } from '../warehouse/stagingPartitions';
import { clearFileCountsStatement, clearStagingStatements, clearStagingStatementsOn, rawLineStatements, STAGING_TABLE } from './stagingSql';
import { FIELDS_BY_KIND, parseLine, STAGING_EVENT_COLUMNS, STAGING_SONG_COLUMNS, type CellValue } from '../etl/records';
import { statementsAfter, type ChunkedStaging, type ChunkLoad, type StatementOptions, type Warehouse } from '../warehouse/types';
import { gatherKeys, type ListedKeys } from './listedKeys';
import { rawLinesOf, type RawLine } from './rawLines';
import { ProgressBeats } from './progressBeats';
import { hasCopyTextStaging } from '../warehouse/copyTextStaging';
import { stagingCopySegments } from './copyStaging';
import { encodeThreadScript, threadedCopySegments } from './threadedCopyStaging';
import { canStageDirect, stageDirect } from './stageDirect';
import { hasLocalFiles } from '../source';
import { MAX_RAW_KEPT, readStagedResult } from './stagedResult';
import { rawLineCopySegments } from './rawLineCopy';
import { rawLineAround, rawLinePartLoads, stagesRawEventLines } from './rawLineStaging';
import { skipFoundUnreadableStatements, skipsUnreadableFiles, withSkippedSongFiles } from './skippedSongFiles';
import { analyzeAfterStaging } from './stagingStatistics';

export interface WarehouseStagingOptions {
  runId: string;
  kind: RecordKind;
  /** The listed files, read as staging goes (listedKeys.ts). */
  keys: ListedKeys;
  source: Source;
  warehouse: Warehouse & ChunkedStaging;
  statementOptions?: StatementOptions;
  /** Called with progress details every few seconds or 100,000 lines, and while SQL runs (progressBeats.ts). */
  heartbeat: (details: unknown) => void;
  /** Statements the staging transaction starts with: the attempt fence (activities/fence.ts). */
  fence?: readonly string[];
  /** For tests: the COPY-text encoding thread fails when it starts this file (threadedCopyStaging.ts). */
  failOnKey?: string;
}

/** Rows the warehouse holds at once: checked and staged chunk by chunk. */
export const CHUNK_ROWS = 200_000;

/**
 * The session table and statements of one staging call, in the warehouse's dialect (see
 * sql/staging/): raw lines parsed in SQL, or rows the worker parsed.
 */
export function stagingLoad(warehouse: Warehouse & ChunkedStaging, runId: string, kind: RecordKind): ChunkLoad {
  const d = warehouse.dialect;
  const params = { run_id: runId, raw_cap: MAX_RAW_KEPT };
  const clear = clearStagingStatements(d, runId, kind);
  const analyze = sqlStatements(`staging/analyze_${kind}`, d);
  if (warehouse.recordParsing === 'worker') {
    return {
      table: 'etl_parsed_rows',
      before: [...clear, ...sqlStatements(`staging/parsed_${kind}`, d)],
      eachChunk: sqlStatements(`staging/insert_parsed_${kind}`, d, params),
      after: [...analyze, ...sqlStatements('staging/drop_parsed_rows', d)],
      chunkRows: CHUNK_ROWS,
      direct: stagedRowsDirect(runId, kind),
    };
  }
  return {
    table: 'etl_raw_lines',
    before: [...clear, ...sqlStatements(`staging/${d}/raw_lines`, d)],
    ...rawLineStatements(d, runId, kind),
    chunkRows: CHUNK_ROWS,
  };
}

/**
 * A checked row (no reason) as a staging row: the run, then the session row's file key, line and
 * cells, which are in the staging table's order. Rejected rows stay on the session-table path.
 */
function stagedRowsDirect(runId: string, kind: RecordKind): NonNullable<ChunkLoad['direct']> {
  const width = FIELDS_BY_KIND[kind].length;
  const reasonAt = 2 + width;
  return {
    table: `staging_${kind}`,
    columns: kind === 'events' ? STAGING_EVENT_COLUMNS : STAGING_SONG_COLUMNS,
    route: (row) => (row[reasonAt] === null ? [runId, ...row.slice(0, reasonAt)] : null),
  };
}

/** Raw lines as etl_raw_lines rows: file key, line, text, problem. */
async function* rawLineRows(lines: AsyncIterable<RawLine[]>): AsyncGenerator<CellValue[][]> {
  for await (const batch of lines) yield batch.map((l) => [l.sourceKey, l.line, l.text, l.problem]);
}

/** Raw lines parsed and checked here, as etl_parsed_rows rows: key, line, cells, reason, raw. */
async function* parsedRows(kind: RecordKind, lines: AsyncIterable<RawLine[]>): AsyncGenerator<CellValue[][]> {
  const width = FIELDS_BY_KIND[kind].length;
  const nulls: CellValue[] = new Array<CellValue>(width).fill(null);
  for await (const batch of lines) {
    yield batch.map((l) => {
      const parsed = l.problem === null ? parseLine(kind, l.sourceKey, l.line, l.text) : undefined;
      if (parsed?.cells) return [l.sourceKey, l.line, ...parsed.cells, null, null];
      const reason = parsed?.rejected?.reason ?? l.problem;
      return [l.sourceKey, l.line, ...nulls, reason, l.text.length > MAX_RAW_KEPT ? l.text.slice(0, MAX_RAW_KEPT) : l.text];
    });
  }
}

/**
 * Stages the listed files set-based: lines stream from the source into the warehouse (raw, to be
 * parsed and checked in SQL, or parsed here, as the engine does best), which writes staging rows
 * and rejects chunk by chunk, replacing what this run or these files staged before, in one
 * transaction. Memory stays bounded: lines flow through in batches, and counts and
 * the first rejects are read back from the warehouse.
 */
export async function stageInWarehouse(options: WarehouseStagingOptions): Promise<StageResult> {
  const { runId, kind, keys, source, warehouse, heartbeat } = options;
  // The run's own partition of staging_events first, in a short transaction of its own
  // (src/warehouse/stagingPartitions.ts): its lock is then not held through the staging.
  const attach = kind === 'events' ? attachStagingPartitionStatements(warehouse, runId) : [];
  if (attach.length > 0) await warehouse.execute(attach, options.statementOptions);
  // DuckDB reads a local source's event logs itself (stageDirect.ts), unless one is too large to read
  // whole. Song files are staged by the worker: DuckDB's reading of thousands of small files alone
  // costs more CPU than the worker's whole song staging (read, split, parse, CSV; measured in docs/staging.md).
  if (kind === 'events' && canStageDirect(warehouse, source) && hasLocalFiles(source)) {
    const staged = await stageDirect({ ...options, keys: await gatherKeys(keys.read()), source, warehouse });
    if (staged) return staged;
  }
  const beats = new ProgressBeats(kind, keys.count, heartbeat);
  const { progress, onProgress } = beats;
  beats.beat();
  let copied: { staged: number; rejected: number } | undefined;
  // Song files are read whole once, here: those that cannot be staged end the transaction skipped (skippedSongFiles.ts).
  const skipsUnreadable = skipsUnreadableFiles(kind);
  const skipped = () => ((progress.filesSkipped ?? 0) > 0 ? skipFoundUnreadableStatements(warehouse.dialect, runId, kind) : []);
  // After the last line the warehouse parses and checks on its own: the keepalive says so.
  await beats.keptAlive(async () => {
    if (warehouse.recordParsing === 'worker' && hasCopyTextStaging(warehouse)) {
      // Parsed here straight into COPY text: checked rows into staging_<kind>, rejects between (copyStaging.ts).
      const d = warehouse.dialect;
      // With SPARKIFY_DUCKDB_RAW_LINES=1, DuckDB parses event lines itself, on all its threads (rawLineStaging.ts).
      const rawLines = kind === 'events' && stagesRawEventLines(warehouse);
      const raw = rawLines ? rawLineAround() : { before: [], after: [] };
      // Each file's staged rows counted as they are written, for the ledger (engineTraits.ts).
      const countFiles = engineTraits(d).countsStagedFiles && !rawLines;
      const clearCounts = countFiles ? [clearFileCountsStatement(d, runId, kind)] : [];
      const clear = await clearStagingStatementsOn(warehouse, runId, kind, options.statementOptions?.signal);
      // Statistics of the run's rows, and on PostgreSQL of the whole table when they are due (stagingStatistics.ts).
      const analyze = await analyzeAfterStaging(warehouse, runId, kind, options.statementOptions?.signal);
      const around = {
        before: [...(options.fence ?? []), ...clear, ...clearCounts, ...raw.before],
        after: () => [...skipped(), ...analyze(progress.lines), ...raw.after],
        partLoads: rawLines ? rawLinePartLoads(runId) : undefined,
      };
      const flavour = warehouse.copyFlavour ?? 'text';
      // Event logs on a thread of its own unless SPARKIFY_STAGING_THREAD=0 (threadedCopyStaging.ts);
      // song files are read, not parsed, for most of their time: measured slower on a thread.
      const lines = () => rawLinesOf(kind, keys.read(), source, progress, onProgress, { skipsUnreadable });
      const segments =
        kind === 'events' && process.env.SPARKIFY_STAGING_THREAD !== '0' && encodeThreadScript() !== undefined
          ? threadedCopySegments({ runId, kind, keys: keys.read(), source, rawCap: MAX_RAW_KEPT, flavour, progress, onProgress, failOnKey: options.failOnKey, rawLines, countFiles })
          : rawLines
            ? rawLineCopySegments(runId, kind, lines(), MAX_RAW_KEPT)
            : stagingCopySegments(runId, kind, lines(), MAX_RAW_KEPT, undefined, flavour, countFiles);
      const rows = await warehouse.stageCopySegments(segments, around, options.statementOptions);
      // Each skipped file's one reject was moved to etl_skipped_files in the transaction.
      if (rows) copied = { staged: rows[STAGING_TABLE[kind]] ?? 0, rejected: (rows.etl_rejected_records ?? 0) - (progress.filesSkipped ?? 0) };
    } else {
      const lines = rawLinesOf(kind, keys.read(), source, progress, onProgress, { skipsUnreadable });
      const rows = warehouse.recordParsing === 'worker' ? parsedRows(kind, lines) : rawLineRows(lines);
      const load = stagingLoad(warehouse, runId, kind);
      load.before = [...(options.fence ?? []), ...load.before];
      const after = load.after;
      load.after = () => [...skipped(), ...statementsAfter(after)];
      await warehouse.stageChunks(rows, load, options.statementOptions);
    }
  }, () => ({ parsing: progress.filesDone === keys.count }));
  beats.beat();

  const staged = await readStagedResult(warehouse, { runId, kind, files: keys.count, bytes: progress.bytes }, options.statementOptions, copied);
  return withSkippedSongFiles(warehouse, runId, staged, progress, options.statementOptions);
}
