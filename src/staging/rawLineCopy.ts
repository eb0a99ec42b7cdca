import type { RecordKind } from '../etl/types';
import { STAGING_EVENT_COLUMNS, STAGING_SONG_COLUMNS } from '../etl/records';
import type { CopySegment } from '../warehouse/copyTextStaging';
import { CopyTextWriter, maxEscapedBytes } from './copyText';
import type { RegionTaker } from './chunkLines';
import { CR, isBlank, NEWLINE } from '../etl/lineReader';
import { REJECT_COLUMNS, REJECT_FLUSH_BYTES, StagingCopyEncoder } from './copyStaging';
import type { RawLine } from './rawLines';
import { STAGING_TABLE } from './stagingSql';

/**
 * Raw event lines for the warehouse to parse itself, in parallel (DuckDB: its CSV reader splits a
 * part across threads; a typed from_json and a screen stage it, sql/staging/duckdb/stage_raw_part.sql).
 * Not a table: a copy segment named so is loaded by the statements the caller gives for it.
 */
export const RAW_LINES_SEGMENT = 'etl_raw_line_part';
/** A raw-line row: the file key, the line number, the line's text as it is (no quoting, no escapes). */
export const RAW_LINE_COLUMNS = ['source_key', 'source_line', 'raw'] as const;

/**
 * Text DuckDB's CSV reader, with no quote or escape character and a tab as delimiter (sql/staging/duckdb/raw_part_lines.sql),
 * reads back exactly as written: no tab, no line break, and not empty (read as NULL). A value with
 * any of those is not written raw.
 */
const NOT_RAW = /[\t\r\n]/;
const TAB = 0x09;
/** Most bytes a line number takes (an INTEGER). */
const MAX_LINE_NUMBER_BYTES = 11;
export const isRawSafe = (value: string): boolean => value.length > 0 && !NOT_RAW.test(value);

/**
 * Lines as raw-line rows (key, line, text), except the few the reader's CSV could not take back
 * verbatim (a tab or carriage return in the text, or in the file's key) and those the line reader
 * already knows are bad (over-long, not UTF-8, NUL): those are parsed and checked here by the
 * StagingCopyEncoder, as on the worker's own path, into staging rows and rejects.
 */
export class RawLineCopyEncoder {
  readonly raw = new CopyTextWriter(undefined, 'csv');
  readonly parsed: StagingCopyEncoder;
  private sourceKey: string | undefined;
  /** `key<TAB>` of the file being encoded, or undefined when its key can't be written raw. */
  private prefix: string | undefined;
  /** Lines written raw from their bytes (regionTaker), which the splitter never hands on as lines. */
  rawLines = 0;

  constructor(runId: string, kind: RecordKind, rawCap: number) {
    this.parsed = new StagingCopyEncoder(runId, kind, rawCap, 'csv');
  }

  encode(line: RawLine): void {
    if (line.sourceKey !== this.sourceKey) {
      this.sourceKey = line.sourceKey;
      this.prefix = isRawSafe(line.sourceKey) ? `${line.sourceKey}\t` : undefined;
    }
    if (line.problem !== null || this.prefix === undefined || !isRawSafe(line.text)) {
      this.parsed.encode(line);
      return;
    }
    const row = `${this.prefix}${line.line}\t${line.text}\n`;
    this.raw.reserve(maxEscapedBytes(row.length));
    this.raw.text(row, false);
  }

  /**
   * For the line splitter (chunkLines.ts RegionTaker) of the file `key`: complete lines written
   * as raw-line rows straight from their bytes (no string per line), when the region holds no tab
   * and no carriage return and the key can be written raw; blank lines are skipped but counted, as
   * the splitter does. Otherwise the region is left to the splitter, line by line (encode).
   */
  regionTaker(key: string): RegionTaker | undefined {
    if (!isRawSafe(key)) return undefined;
    const prefix = Buffer.from(`${key}\t`, 'utf8');
    const raw = this.raw;
    return (region, lineNo) => {
      if (region.indexOf(TAB) >= 0 || region.indexOf(CR) >= 0) return -1;
      let start = 0;
      for (;;) {
        const nl = region.indexOf(NEWLINE, start);
        const end = nl < 0 ? region.length : nl;
        lineNo++;
        if (end > start && !(region[start] <= 0x20 && isBlank(region.subarray(start, end)))) {
          raw.reserve(prefix.length + MAX_LINE_NUMBER_BYTES + end - start + 2);
          raw.bytes(prefix);
          raw.ascii(String(lineNo));
          raw.tab();
          raw.bytes(region.subarray(start, end));
          raw.endRow();
          this.rawLines++;
        }
        if (nl < 0) return lineNo;
        start = nl + 1;
      }
    };
  }

  /** Bytes of parsed rows and rejects waiting. */
  get parsedBytes(): number {
    return this.parsed.staged.size + this.parsed.rejects.size;
  }
}

/**
 * The copy segments that stage `lines` with the warehouse parsing most of them: raw-line segments
 * (RAW_LINES_SEGMENT) and, between them, once some are waiting (or at the end), the rows parsed
 * here (into `staging_<kind>`) and the rejects. Memory stays bounded by a batch of lines and
 * `flushBytes` of parsed rows.
 */
export async function* rawLineCopySegments(
  runId: string,
  kind: RecordKind,
  lines: AsyncIterable<RawLine[]>,
  rawCap: number,
  flushBytes = REJECT_FLUSH_BYTES,
  /** The encoder, when the line splitter writes raw rows into it too (regionTaker). */
  encoder = new RawLineCopyEncoder(runId, kind, rawCap),
): AsyncGenerator<CopySegment> {
  const batches = lines[Symbol.asyncIterator]();
  let done = false;
  async function* rawRows(): AsyncGenerator<Buffer> {
    while (!done && encoder.parsedBytes < flushBytes) {
      const next = await batches.next();
      if (next.done) {
        done = true;
        break;
      }
      for (const line of next.value) encoder.encode(line);
      yield* encoder.raw.take();
    }
  }
  const columns = kind === 'events' ? STAGING_EVENT_COLUMNS : STAGING_SONG_COLUMNS;
  try {
    while (!done) {
      yield { table: RAW_LINES_SEGMENT, columns: RAW_LINE_COLUMNS, data: rawRows() };
      const { staged, rejects } = encoder.parsed;
      if (staged.size > 0) yield { table: STAGING_TABLE[kind], columns, data: staged.take() };
      if (rejects.size > 0) yield { table: 'etl_rejected_records', columns: REJECT_COLUMNS, data: rejects.take() };
    }
  } finally {
    if (!done) await batches.return?.();
  }
}
