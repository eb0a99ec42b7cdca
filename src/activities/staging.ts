import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Readable } from 'node:stream';
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
import { sqlLiteral } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';

const TABLES: Record<RecordKind, { table: string; columns: string[] }> = {
  events: { table: 'staging_events', columns: STAGING_EVENT_COLUMNS },
  songs: { table: 'staging_songs', columns: STAGING_SONG_COLUMNS },
};

const MAX_SONG_FILE_BYTES = 16 * 1024 * 1024;
const REJECT_SAMPLES = 5;

/**
 * Song files hold one JSON object each (sometimes pretty-printed over several lines), so a song
 * file is parsed whole; event logs are parsed line by line, never whole.
 */
async function* parseSongFile(key: string, input: Readable): AsyncGenerator<ParsedLine> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += (chunk as Buffer).length;
    if (size > MAX_SONG_FILE_BYTES) {
      input.destroy();
      yield { line: 1, rejected: { sourceKey: key, sourceLine: 1, reason: `song file larger than ${MAX_SONG_FILE_BYTES} bytes`, raw: '' } };
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return;
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    // Not one JSON document: newline-delimited records.
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) if (lines[i].trim() !== '') yield parseLine('songs', key, i + 1, lines[i]);
    return;
  }
  const records = Array.isArray(whole) ? whole : [whole];
  for (const record of records) yield parseLine('songs', key, 1, JSON.stringify(record));
}

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
  const { table, columns } = TABLES[kind];
  const rejected: RejectedRecord[] = [];
  let recordsRead = 0;
  let bytes = 0;
  let filesDone = 0;
  const signal = activitySignal();

  async function* rows(): AsyncGenerator<CellValue[]> {
    for (const key of keys) {
      const input = await source.open(key);
      input.on('data', (chunk: Buffer) => (bytes += chunk.length));
      const parsed = kind === 'songs' ? parseSongFile(key, input) : parseRecords(kind, key, input);
      for await (const record of parsed) {
        recordsRead++;
        if (record.rejected) rejected.push(record.rejected);
        else yield [runId, key, record.line, ...record.cells!];
      }
      filesDone++;
      heartbeat({ kind, filesDone, files: keys.length, recordsRead });
    }
  }

  const deleteFirst =
    `DELETE FROM ${table} WHERE run_id = ${sqlLiteral(runId)} OR source_key IN ` +
    `(SELECT source_key FROM etl_run_files WHERE run_id = ${sqlLiteral(runId)} AND kind = ${sqlLiteral(kind)})`;
  const recordsStaged = await warehouse.appendRows(table, columns, rows(), { deleteFirst, signal });

  await warehouse.appendRows(
    'etl_rejected_records',
    ['run_id', 'kind', 'source_key', 'source_line', 'reason', 'raw'],
    rejected.map((r) => [runId, kind, r.sourceKey, r.sourceLine, r.reason, r.raw]),
    { deleteFirst: `DELETE FROM etl_rejected_records WHERE run_id = ${sqlLiteral(runId)} AND kind = ${sqlLiteral(kind)}` },
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
  const rate = recordsRead === 0 ? 0 : rejected.length / recordsRead;
  if (rate > options.maxRejectRate) {
    const where = result.rejectSamples.map((r) => `${r.sourceKey}:${r.sourceLine} ${r.reason}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `${rejected.length} of ${recordsRead} ${kind} records rejected (${(rate * 100).toFixed(2)}%, limit ` +
        `${(options.maxRejectRate * 100).toFixed(2)}%); all are kept in etl_rejected_records. First: ${where}`,
      'InvalidInput',
      result,
    );
  }
  return result;
}

/** Heartbeats when running inside an activity; a no-op when called directly (tests, tools). */
export function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not in an activity context.
  }
}

const KEEPALIVE_MS = 10_000;

/**
 * Heartbeats every few seconds while `work` runs: a single long statement (a big publish) must
 * not look like a dead worker to Temporal's heartbeat timeout.
 */
export async function whileHeartbeating<T>(details: unknown, work: () => Promise<T>, intervalMs = KEEPALIVE_MS): Promise<T> {
  heartbeat(details);
  const timer = setInterval(() => heartbeat(details), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
