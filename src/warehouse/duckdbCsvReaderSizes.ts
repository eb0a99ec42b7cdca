import { MAX_LINE_BYTES, MAX_SONG_FILE_BYTES } from '../staging/rawLines';

/**
 * The CSV reader's row limit and buffer for one staging COPY part (sql/staging/duckdb/copy_csv.sql),
 * sized per table from the largest source unit one of its rows can come from.
 *
 * A row is at most 3 bytes per character of its source unit (an event line ≤ MAX_LINE_BYTES, a
 * song file ≤ MAX_SONG_FILE_BYTES; a reject's raw text is capped far below a line), plus its run
 * and file key. The reader's buffer must hold the longest row; DuckDB allocates one buffer per
 * reading thread from its bounded pool (duckdbSettings.ts). The buffer took a quarter of the
 * 128 MiB pool with a 32 MiB buffer, and what the COPY's row groups needed beside it spilled:
 * event parts read with 8 MiB buffers cost DuckDB about 10% less CPU (docs/performance-log.md).
 */
export interface CsvReaderSizes {
  /** MAX_LINE_SIZE: the longest row the reader takes, in bytes. */
  maxLineSize: number;
  /** BUFFER_SIZE: bytes the reader reads at a time (at least maxLineSize). */
  bufferSize: number;
}

/** Room for a row's run id, file key (an S3 key is ≤ 1,024 bytes) and line number. */
const ROW_OVERHEAD_BYTES = 64 * 1024;

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function csvReaderSizes(table: string): CsvReaderSizes {
  const unit = table === 'staging_songs' ? MAX_SONG_FILE_BYTES : MAX_LINE_BYTES;
  const maxLineSize = powerOfTwoAtLeast(3 * unit + ROW_OVERHEAD_BYTES);
  return { maxLineSize, bufferSize: 2 * maxLineSize };
}
