import { ApplicationFailure } from '@temporalio/common';
import {
  FIELDS_BY_KIND,
  LINEAGE_COLUMNS,
  parseRawLine,
  rejectedRecord,
  STAGING_EVENT_COLUMNS,
  STAGING_SONG_COLUMNS,
  type CellValue,
  type RejectedRecord,
} from '../etl/records';
import type { RecordKind, RejectSample, StageResult } from '../etl/types';
import type { Source } from '../source';
import { hasAppendRowLimits, hasChunkedStaging, type AppendRowLimits, type Warehouse } from '../warehouse/types';
import { REJECT_COLUMNS } from '../staging/copyStaging';
import type { ListedKeys } from '../staging/listedKeys';
import { ProgressBeats } from '../staging/progressBeats';
import { rawLinesOf } from '../staging/rawLines';
import { stageInWarehouse } from '../staging/stageInWarehouse';
import { clearRejectedStatement, clearStagedStatement } from '../staging/stagingSql';
import { fenceCurrentAttempt } from './fence';
import { activitySignal, heartbeat, whileHeartbeating } from './heartbeat';
import { RejectSpool } from './rejectSpool';
import { ERROR_TYPES } from '../errors';

const TABLES: Record<RecordKind, { table: string; columns: string[] }> = {
  events: { table: 'staging_events', columns: STAGING_EVENT_COLUMNS },
  songs: { table: 'staging_songs', columns: STAGING_SONG_COLUMNS },
};

export const REJECT_SAMPLES = 5;

export interface StageOptions {
  runId: string;
  kind: RecordKind;
  keys: ListedKeys;
  source: Source;
  warehouse: Warehouse;
}

/**
 * Streams the listed files from the source into the staging table in one transaction: every row
 * tagged with the run, file key and line. Rows the run or these files staged before are replaced,
 * so a retried attempt gives the same table. Rejected records go to etl_rejected_records; the
 * staging step checks the reject rate over them and the rules after staging (stagingActivities.ts).
 */
export async function stageFromClient(options: StageOptions): Promise<StageResult> {
  const { runId, kind, keys, source, warehouse } = options;
  if (hasChunkedStaging(warehouse)) {
    // A superseded attempt of this staging step cannot commit (fence.ts).
    const fence = await fenceCurrentAttempt(warehouse);
    return stageInWarehouse({ runId, kind, keys, source, warehouse, heartbeat, fence, statementOptions: { signal: activitySignal() } });
  }
  return stageParsedRows(options);
}

/**
 * For warehouses without set-based staging (Redshift from a local source): records are read with
 * the caps and rules of the set-based paths (rawLinesOf), parsed here and appended. A record the
 * warehouse can't hold (on Redshift a value over 65535 bytes) is rejected with the reason.
 * Rejects wait in a file until the rows are in (rejectSpool.ts), so memory stays bounded.
 */
async function stageParsedRows({ runId, kind, keys, source, warehouse }: StageOptions): Promise<StageResult> {
  const { table, columns } = TABLES[kind];
  const names = [...LINEAGE_COLUMNS, ...FIELDS_BY_KIND[kind].map((f) => f.key)];
  const limits = hasAppendRowLimits(warehouse) ? warehouse : undefined;
  const beats = new ProgressBeats(kind, keys.count, heartbeat);
  const { progress, onProgress } = beats;
  const rejects = RejectSpool.open(REJECT_SAMPLES);
  let recordsRead = 0;

  async function* rows(): AsyncGenerator<CellValue[]> {
    for await (const batch of rawLinesOf(kind, keys.read(), source, progress, onProgress)) {
      for (const raw of batch) {
        recordsRead++;
        const parsed = parseRawLine(kind, raw);
        if (parsed.rejected) {
          rejects.add(parsed.rejected);
          continue;
        }
        const row = [runId, raw.sourceKey, raw.line, ...parsed.cells!];
        const problem = limits?.appendRowProblem(row, names) ?? null;
        if (problem === null) yield row;
        else rejects.add(rejectedRecord(raw.sourceKey, raw.line, problem, raw.text));
      }
    }
  }

  try {
    const signal = activitySignal();
    beats.beat();
    const recordsStaged = await warehouse.appendRows(table, columns, rows(), { deleteFirst: clearStagedStatement(warehouse.dialect, runId, kind), signal });
    await whileHeartbeating({ kind, appending: 'rejects', rejects: rejects.count }, () =>
      warehouse.appendRows('etl_rejected_records', REJECT_COLUMNS, rejectRows(runId, kind, rejects.records(), limits), {
        deleteFirst: clearRejectedStatement(warehouse.dialect, runId, kind),
        signal,
      }),
    );
    return {
      kind,
      files: keys.count,
      bytes: progress.bytes,
      recordsRead,
      recordsStaged,
      recordsRejected: rejects.count,
      rejectSamples: rejects.samples.map(({ sourceKey, sourceLine, reason }) => ({ sourceKey, sourceLine, reason })),
    };
  } finally {
    rejects.remove();
  }
}

/** Rejects as etl_rejected_records rows, their raw text cut to what the warehouse's text holds. */
async function* rejectRows(runId: string, kind: RecordKind, rejects: AsyncIterable<RejectedRecord>, limits?: AppendRowLimits): AsyncGenerator<CellValue[]> {
  for await (const r of rejects) yield [runId, kind, r.sourceKey, r.sourceLine, r.reason, limits ? cutToBytes(r.raw, limits.maxTextBytes) : r.raw];
}

/** A start of `text` within `maxBytes` of UTF-8 (whole characters), at most 2 bytes short of it. */
function cutToBytes(text: string, maxBytes: number): string {
  let cut = text;
  // A UTF-16 unit is at most 3 bytes: a unit off per 3 bytes over cuts at most 2 bytes too many.
  for (let over = Buffer.byteLength(cut) - maxBytes; over > 0; over = Buffer.byteLength(cut) - maxBytes) {
    const length = cut.length - Math.ceil(over / 3);
    const code = cut.charCodeAt(length - 1);
    cut = cut.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
  }
  return cut;
}

/** `samples`, then `more`, as many as a result keeps: at least REJECT_SAMPLES. */
export function withMoreRejectSamples(samples: RejectSample[], more: RejectSample[]): RejectSample[] {
  return [...samples, ...more].slice(0, Math.max(REJECT_SAMPLES, samples.length));
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
