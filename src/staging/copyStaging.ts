import type { RecordKind } from '../etl/types';
import {
  checkEventUserId,
  EVENT_USER_ID_INDEX,
  FIELDS_BY_KIND,
  fieldCell,
  invalidRecordReason,
  LineProblem,
  recordObject,
  STAGING_EVENT_COLUMNS,
  STAGING_SONG_COLUMNS,
  type CellValue,
  type FieldSpec,
} from '../etl/records';
import type { CopySegment } from '../warehouse/copyTextStaging';
import { CopyTextWriter, copyTextValue, maxEscapedBytes, QUOTE_BYTES, type CopyFlavour } from './copyText';
import { JsonRowBytes, RowBytes } from './jsonRowBytes';
import { fieldsConfig, GENERAL_PATH, NEED_ROOM, nativeRowsState, type NativeRows } from './nativeRows';
import { isBlankBytes, isLineRegion, type LineRegion } from './chunkLines';
import type { RawLine } from './rawLines';
import { STAGING_TABLE } from './stagingSql';

/** The columns of etl_rejected_records a reject fills. */
export const REJECT_COLUMNS = ['run_id', 'kind', 'source_key', 'source_line', 'reason', 'raw'] as const;

/** The columns of etl_file_counts a file's count fills. */
export const FILE_COUNT_COLUMNS = ['run_id', 'kind', 'source_key', 'records'] as const;

/** Rejects are held up to about this many bytes of COPY text, then copied between two staging segments. */
export const REJECT_FLUSH_BYTES = 4 * 1024 * 1024;

/** Most bytes a line number takes (an INTEGER). */
const MAX_LINE_NUMBER_BYTES = 11;

const NEWLINE = 0x0a;
const CR = 0x0d;
const NUL_ESCAPE = Buffer.from('\\u0000', 'latin1');

/**
 * Raw lines (or song records) parsed, checked and encoded straight into COPY text: a checked
 * record as a `staging_<kind>` row (run, file key, line, the typed fields), a rejected one as an
 * etl_rejected_records row (run, kind, file key, line, reason, raw text capped at `rawCap`).
 * The checks and reasons are src/etl/records.ts's, the same every path applies.
 */
export class StagingCopyEncoder {
  readonly staged: RowBytes;
  readonly rejects: CopyTextWriter;
  /**
   * With countFiles: an etl_file_counts row (run, kind, file key, rows staged) for each file once
   * its last row is written, so that the ledger counts no staging rows (sql/ledger/postgres/record.sql).
   */
  readonly fileCounts: CopyTextWriter;
  /** Rows staged from the file being encoded. */
  private fileRows = 0;
  private readonly fields: readonly FieldSpec[];
  private readonly runId: string;
  private readonly kindText: string;
  private sourceKey: string | undefined;
  /** `run<TAB>key<TAB>` of the file being encoded. */
  private prefix = '';
  private prefixBytes = Buffer.alloc(0);
  private readonly fromBytes: JsonRowBytes;
  private readonly nativeConfig: Uint8Array;
  /** [start, lineNo, outAt, room, rows]: native/rows/src/lib.rs. */
  private readonly nativeCursor = new Int32Array(5);

  constructor(
    runId: string,
    private readonly kind: RecordKind,
    private readonly rawCap: number,
    private readonly flavour: CopyFlavour = 'text',
    /** Writes regions' rows in compiled code (nativeRows.ts); null: in JavaScript. */
    private readonly native: NativeRows | null = defaultNativeRows(),
    /** Count each file's staged rows into fileCounts. */
    private readonly countFiles = false,
  ) {
    this.staged = new RowBytes();
    this.rejects = new CopyTextWriter(undefined, flavour);
    this.fileCounts = new CopyTextWriter(undefined, flavour);
    this.fields = FIELDS_BY_KIND[kind];
    const userIdIndex = kind === 'events' ? EVENT_USER_ID_INDEX : -1;
    this.fromBytes = new JsonRowBytes(this.fields, flavour, userIdIndex);
    this.nativeConfig = fieldsConfig(this.fields, flavour, userIdIndex);
    this.runId = copyTextValue(runId, flavour);
    this.kindText = copyTextValue(kind, flavour);
  }

  private startFile(sourceKey: string): void {
    if (sourceKey === this.sourceKey) return;
    this.endFileCount();
    this.sourceKey = sourceKey;
    this.prefix = `${this.runId}\t${copyTextValue(sourceKey, this.flavour)}\t`;
    this.prefixBytes = Buffer.from(this.prefix, 'utf8');
  }

  /**
   * The count of the file being encoded, as a row of fileCounts (none without countFiles, or before
   * the first file's first staged row). Called when the next file starts, and once after the last.
   */
  endFileCount(): void {
    if (!this.countFiles || this.sourceKey === undefined || this.fileRows === 0) return;
    const key = copyTextValue(this.sourceKey, this.flavour);
    const count = String(this.fileRows);
    const w = this.fileCounts;
    w.reserve(maxEscapedBytes(this.runId.length + this.kindText.length + key.length) + count.length + 4 + FILE_COUNT_COLUMNS.length * QUOTE_BYTES);
    this.runKindKey(w, key);
    w.ascii(count);
    w.endRow();
    this.fileRows = 0;
  }

  /** The run, kind and file key that begin a reject's or a count's row, each followed by a tab (room reserved). */
  private runKindKey(w: CopyTextWriter, key: string): void {
    w.text(this.runId, false);
    w.tab();
    w.text(this.kindText, false);
    w.tab();
    w.text(key, false);
    w.tab();
  }

  /**
   * A region of complete lines (chunkLines.ts): each line's row written from its bytes
   * (jsonRowBytes.ts) when it can be, else decoded and encoded as `encode` does. The same rows,
   * rejects and bytes as decoding every line.
   */
  encodeRegion(region: LineRegion): void {
    const src = region.bytes;
    this.startFile(region.sourceKey);
    // The native encoder hands back each line holding the text `\u0000` itself.
    if (this.native) return this.encodeRegionNatively(region, this.native);
    // A `\u0000` anywhere in a line rejects it (recordObject), even inside another escape: such regions take the general path.
    const bytesOk = src.indexOf(NUL_ESCAPE) < 0;
    const w = this.staged;
    const prefix = this.prefixBytes;
    let lineNo = region.firstLine;
    let start = 0;
    for (;;) {
      const nl = src.indexOf(NEWLINE, start);
      const end = endWithoutCr(src, start, nl < 0 ? src.length : nl);
      if (bytesOk && this.fromBytes.parse(src, start, end)) {
        w.reserve(prefix.length + MAX_LINE_NUMBER_BYTES + this.fromBytes.maxRowBytes(end - start) + 1);
        w.at += prefix.copy(w.buf, w.at);
        w.natural(lineNo);
        this.fromBytes.write(src, w);
        w.buf[w.at++] = NEWLINE;
        this.fileRows++;
      } else if (!isBlankBytes(src, start, end)) {
        this.encodeRegionLine(region, lineNo, start, end);
      }
      if (nl < 0) return;
      lineNo++;
      start = nl + 1;
    }
  }

  /** encodeRegion's rows written by the native encoder; the lines it hands back take the general path. */
  private encodeRegionNatively(region: LineRegion, native: NativeRows): void {
    const src = region.bytes;
    const w = this.staged;
    const cursor = this.nativeCursor;
    cursor[0] = 0;
    cursor[1] = region.firstLine;
    for (;;) {
      cursor[2] = w.at;
      // Left at -1 by a module built before it counted rows: its counts would be wrong.
      cursor[4] = -1;
      const status = native.encodeLines(this.nativeConfig, src, this.prefixBytes, w.buf, cursor);
      w.at = cursor[2];
      if (cursor[4] < 0) throw new Error('the native row encoder predates row counts: rebuild it (scripts/native.sh)');
      this.fileRows += cursor[4];
      if (status === NEED_ROOM) {
        w.reserve(cursor[3]);
        continue;
      }
      if (status !== GENERAL_PATH) return;
      const start = cursor[0];
      const nl = src.indexOf(NEWLINE, start);
      this.encodeRegionLine(region, cursor[1], start, endWithoutCr(src, start, nl < 0 ? src.length : nl));
      if (nl < 0) return;
      cursor[0] = nl + 1;
      cursor[1]++;
    }
  }

  /** A line of a region (its bytes from `start` to `end`), decoded and encoded the general way. */
  private encodeRegionLine(region: LineRegion, lineNo: number, start: number, end: number): void {
    this.encode({ sourceKey: region.sourceKey, line: lineNo, text: region.bytes.toString('utf8', start, end), problem: null });
  }

  encode(line: RawLine): void {
    if (line.problem !== null) return this.reject(line, line.problem);
    const obj = recordObject(line.text);
    if (obj instanceof LineProblem) return this.reject(line, obj.reason);
    this.startFile(line.sourceKey);
    const fields = this.fields;
    // A JSON string holds a tab, newline, carriage return or backslash only as an escape.
    const mayNeedEscape = line.text.includes('\\');
    // The row is built as one string and written in one call (a call per value cost more); a
    // record that fails a check writes nothing.
    let row = this.prefix + line.line;
    let userId: CellValue = null;
    try {
      for (let i = 0; i < fields.length; i++) {
        const cell = fieldCell(fields[i], obj);
        if (cell === null) row += '\t\\N';
        else if (typeof cell === 'number') row += '\t' + cell;
        else row += '\t' + (mayNeedEscape ? copyTextValue(cell, this.flavour) : cell);
        if (i === EVENT_USER_ID_INDEX) userId = cell;
      }
      if (this.kind === 'events') checkEventUserId(userId);
    } catch (err) {
      return this.reject(line, invalidRecordReason(err));
    }
    row += '\n';
    const w = this.staged;
    w.reserve(maxEscapedBytes(row.length));
    w.text(row);
    this.fileRows++;
  }

  private reject(line: RawLine, reason: string): void {
    const raw = line.text.length > this.rawCap ? line.text.slice(0, this.rawCap) : line.text;
    const key = copyTextValue(line.sourceKey, this.flavour);
    const w = this.rejects;
    w.reserve(maxEscapedBytes(this.runId.length + this.kindText.length + key.length + reason.length + raw.length) + MAX_LINE_NUMBER_BYTES + 8 + REJECT_COLUMNS.length * QUOTE_BYTES);
    this.runKindKey(w, key);
    w.ascii(String(line.line));
    w.tab();
    w.text(reason);
    w.tab();
    w.text(raw);
    w.endRow();
  }
}

/** Where a region's line from `start` to `lineEnd` (its newline, or the region's end) ends without a carriage return. */
function endWithoutCr(src: Buffer, start: number, lineEnd: number): number {
  return lineEnd > start && src[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
}

function defaultNativeRows(): NativeRows | null {
  const state = nativeRowsState();
  return state.loaded ? state.rows : null;
}

/**
 * The COPY segments that stage `lines`: checked rows straight into `staging_<kind>`; rejects
 * gathered (up to REJECT_FLUSH_BYTES) and copied into etl_rejected_records between two staging
 * segments; with `countFiles`, each file's count of staged rows likewise into etl_file_counts.
 * Memory stays bounded by a batch of lines and the reject and count buffers.
 */
export async function* stagingCopySegments(
  runId: string,
  kind: RecordKind,
  lines: AsyncIterable<readonly (RawLine | LineRegion)[]>,
  rawCap: number,
  rejectFlushBytes = REJECT_FLUSH_BYTES,
  flavour: CopyFlavour = 'text',
  countFiles = false,
): AsyncGenerator<CopySegment> {
  const encoder = new StagingCopyEncoder(runId, kind, rawCap, flavour, undefined, countFiles);
  const batches = lines[Symbol.asyncIterator]();
  let done = false;
  async function* stagedRows(): AsyncGenerator<Buffer> {
    while (!done && encoder.rejects.size < rejectFlushBytes && encoder.fileCounts.size < rejectFlushBytes) {
      const next = await batches.next();
      if (next.done) {
        done = true;
        encoder.endFileCount();
        break;
      }
      for (const item of next.value) {
        if (isLineRegion(item)) encoder.encodeRegion(item);
        else encoder.encode(item);
      }
      yield* encoder.staged.take();
    }
  }
  const columns = kind === 'events' ? STAGING_EVENT_COLUMNS : STAGING_SONG_COLUMNS;
  try {
    while (!done) {
      yield { table: STAGING_TABLE[kind], columns, data: stagedRows() };
      if (encoder.rejects.size > 0) yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: encoder.rejects.take() };
      if (encoder.fileCounts.size > 0) yield { table: 'etl_file_counts', columns: FILE_COUNT_COLUMNS, data: encoder.fileCounts.take() };
    }
  } finally {
    // A failed COPY stops here: the file being read is closed now, not when it is collected.
    if (!done) await batches.return?.();
  }
}
