import { ApplicationFailure } from '@temporalio/common';
import {
  parseLine,
  parseRecords,
  STAGING_EVENT_COLUMNS,
  STAGING_SONG_COLUMNS,
  type CellValue,
  type ParsedLine,
  type RejectedRecord,
} from '../etl/records';
import type { RecordKind, RejectSample, StageResult } from '../etl/types';
import type { Source } from '../source';
import { hasChunkedStaging, type Warehouse } from '../warehouse/types';
import { inOrderAhead } from '../staging/rawLines';
import { splitSongFile } from '../staging/songFile';
import { stageInWarehouse } from '../staging/stageInWarehouse';
import { clearRejectedStatement, clearStagedStatement } from '../staging/stagingSql';
import { fenceCurrentAttempt } from './fence';
import { activitySignal, heartbeat } from './heartbeat';
import { ERROR_TYPES } from '../errors';

const TABLES: Record<RecordKind, { table: string; columns: string[] }> = {
  events: { table: 'staging_events', columns: STAGING_EVENT_COLUMNS },
  songs: { table: 'staging_songs', columns: STAGING_SONG_COLUMNS },
};

const REJECT_SAMPLES = 5;

/** Warehouses without set-based staging (Redshift from a non-S3 source) get rows parsed here. */
const MAX_SONG_FILE_BYTES = 16 * 1024 * 1024;

async function readSongFile(source: Source, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await source.open(key)) {
    size += (chunk as Buffer).length;
    if (size > MAX_SONG_FILE_BYTES) throw new Error(`song file ${key} is larger than ${MAX_SONG_FILE_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A song file's records as rows for warehouses that take parsed rows: each object a record (see splitSongFile). */
function* parseSongFile(key: string, text: string): Generator<ParsedLine> {
  for (const record of splitSongFile(text)) yield parseLine('songs', key, record.line, record.text);
}

export { inOrderAhead };

export interface StageOptions {
  runId: string;
  kind: RecordKind;
  keys: string[];
  source: Source;
  warehouse: Warehouse;
  maxRejectRate: number;
}

/**
 * Streams the listed files from the source into the staging table in one transaction: every row
 * tagged with the run, file key and line. Rows the run or these files staged before are replaced,
 * so a retried attempt gives the same table. Rejected records go to etl_rejected_records.
 */
export async function stageFromClient(options: StageOptions): Promise<StageResult> {
  const { runId, kind, keys, source, warehouse } = options;
  if (hasChunkedStaging(warehouse)) {
    // A superseded attempt of this staging step cannot commit (fence.ts).
    const fence = await fenceCurrentAttempt(warehouse);
    const result = await stageInWarehouse({ runId, kind, keys, source, warehouse, heartbeat, fence, statementOptions: { signal: activitySignal() } });
    return checkRejectRate(result, options.maxRejectRate);
  }
  const { table, columns } = TABLES[kind];
  const rejected: RejectedRecord[] = [];
  let recordsRead = 0;
  let bytes = 0;
  let filesDone = 0;
  const signal = activitySignal();

  async function* records(): AsyncGenerator<[string, ParsedLine]> {
    if (kind === 'songs') {
      for await (const [key, content] of inOrderAhead(keys, source.smallReadConcurrency, (k) => readSongFile(source, k))) {
        bytes += content.length;
        for (const record of parseSongFile(key, content.toString('utf8'))) yield [key, record];
        fileDone();
      }
      return;
    }
    for (const key of keys) {
      const input = await source.open(key);
      input.on('data', (chunk: Buffer) => (bytes += chunk.length));
      for await (const record of parseRecords(kind, key, input)) yield [key, record];
      fileDone();
    }
  }

  function fileDone(): void {
    filesDone++;
    if (filesDone % 100 === 0 || filesDone === keys.length) heartbeat({ kind, filesDone, files: keys.length, recordsRead });
  }

  async function* rows(): AsyncGenerator<CellValue[]> {
    for await (const [key, record] of records()) {
      recordsRead++;
      if (record.rejected) rejected.push(record.rejected);
      else yield [runId, key, record.line, ...record.cells!];
    }
  }

  const deleteFirst = clearStagedStatement(warehouse.dialect, runId, kind);
  const recordsStaged = await warehouse.appendRows(table, columns, rows(), { deleteFirst, signal });

  await warehouse.appendRows(
    'etl_rejected_records',
    ['run_id', 'kind', 'source_key', 'source_line', 'reason', 'raw'],
    rejected.map((r) => [runId, kind, r.sourceKey, r.sourceLine, r.reason, r.raw]),
    { deleteFirst: clearRejectedStatement(warehouse.dialect, runId, kind) },
  );

  const result: StageResult = {
    kind,
    files: keys.length,
    bytes,
    recordsRead,
    recordsStaged,
    recordsRejected: rejected.length,
    rejectSamples: rejected.slice(0, REJECT_SAMPLES).map(({ sourceKey, sourceLine, reason }): RejectSample => ({ sourceKey, sourceLine, reason })),
  };
  return checkRejectRate(result, options.maxRejectRate);
}

/** Fails the staging, without retry, when more than `maxRejectRate` of the records were rejected. */
export function checkRejectRate(result: StageResult, maxRejectRate: number): StageResult {
  const { recordsRead, recordsRejected, kind } = result;
  const rate = recordsRead === 0 ? 0 : recordsRejected / recordsRead;
  if (rate > maxRejectRate) {
    const where = result.rejectSamples.map((r) => `${r.sourceKey}:${r.sourceLine} ${r.reason}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `${recordsRejected} of ${recordsRead} ${kind} records rejected (${(rate * 100).toFixed(2)}%, limit ` +
        `${(maxRejectRate * 100).toFixed(2)}%); all are kept in etl_rejected_records. First: ${where}`,
      ERROR_TYPES.invalidInput,
      result,
    );
  }
  return result;
}
