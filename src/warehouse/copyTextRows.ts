/**
 * Rows a warehouse appends from this process (appendRows), as PostgreSQL COPY text for
 * `COPY … FROM STDIN`: tab between columns, newline after a row, `\N` for NULL, backslash escapes.
 */
import type { CellValue } from '../etl/records';
import { copyTextValue } from '../staging/copyText';

/**
 * Characters of COPY text handed to the stream at once. Each piece is one write to the server's
 * socket: written a row at a time, listing the 8M-event set's 71,000 song files into
 * etl_run_files spent about 1 CPU-s of the worker's 3 in those writes (docs/performance-log.md).
 */
export const COPY_PIECE_CHARS = 64 * 1024;

/** One value in COPY text. */
export function copyTextField(value: CellValue): string {
  if (value === null || value === undefined) return '\\N';
  return copyTextValue(typeof value === 'number' ? String(value) : value);
}

/** One row in COPY text, with its newline. */
export function copyTextRow(row: readonly CellValue[]): string {
  return row.map(copyTextField).join('\t') + '\n';
}

/**
 * `rows` as COPY text in pieces of about `pieceChars` characters (a row is never split; a row
 * longer than that is a piece of its own), calling `onRow` for each row. Holds one piece at a time.
 */
export async function* copyTextPieces(
  rows: AsyncIterable<readonly CellValue[]> | Iterable<readonly CellValue[]>,
  onRow: () => void = () => undefined,
  pieceChars = COPY_PIECE_CHARS,
): AsyncGenerator<string> {
  let piece = '';
  for await (const row of rows) {
    onRow();
    piece += copyTextRow(row);
    if (piece.length >= pieceChars) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}
