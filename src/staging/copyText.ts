/**
 * Rows in PostgreSQL's COPY text format (tab between columns, newline after a row, `\N` for NULL,
 * backslash escapes) or, for DuckDB's CSV reader, its tab-separated CSV flavour (`\N` for NULL; a
 * value holding a tab, newline, carriage return or `"`, or that is `\N` itself, in double quotes
 * with `"` doubled), written straight into byte chunks: no array per row, no string per row,
 * no joined text. A caller reserves room for a row's worst case first, so a row never spans two
 * chunks and a row begun can be taken back (rewind) when a later column turns out to be bad.
 */

/** Characters COPY text must escape in a value. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const escapeChar = (c: string): string => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const LETTER_N = 0x4e;

/** Bytes a value of `chars` UTF-16 units takes at most, escaped (a tab or backslash 2, other units ≤ 3). */
export const maxEscapedBytes = (chars: number): number => 3 * chars;
/** Bytes quoting adds to a CSV value beyond maxEscapedBytes: the two quotes (a `"` doubled fits in its 3). */
export const QUOTE_BYTES = 2;

/**
 * How values are written: 'text' is PostgreSQL COPY text (backslash escapes); 'csv' is a CSV that
 * DuckDB's reader takes with DELIMITER tab, QUOTE and ESCAPE `"`, NULL `\N`, ALLOW_QUOTED_NULLS
 * false (it decodes no backslash escape, so the text form would not round-trip there).
 */
export type CopyFlavour = 'text' | 'csv';

/** Characters that make a CSV value quoted. */
const NEEDS_QUOTE = /[\t\n\r"]/;
const QUOTES = /"/g;

function csvValue(value: string): string {
  if (value === '\\N') return '"\\N"';
  return NEEDS_QUOTE.test(value) ? `"${value.replace(QUOTES, '""')}"` : value;
}

/** A value in COPY text (or the CSV flavour), as a string (for short constant values: the run id, a file key). */
export function copyTextValue(value: string, flavour: CopyFlavour = 'text'): string {
  if (flavour === 'csv') return csvValue(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, escapeChar) : value;
}

/**
 * Growing byte chunks that rows are written into: `buf` is the current chunk and `at` where the next
 * byte goes; a row never spans two chunks (reserve its room first), and a chunk taken is not written again.
 */
export class ByteChunks {
  buf: Buffer;
  at = 0;
  private readonly full: Buffer[] = [];
  private fullBytes = 0;

  constructor(private readonly chunkBytes = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /** Makes room for `bytes` more in the current chunk, starting a new one (of at least that size) if needed. */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    if (this.at > 0) {
      this.full.push(this.buf.subarray(0, this.at));
      this.fullBytes += this.at;
    }
    this.buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes));
    this.at = 0;
  }

  /** Bytes written and not yet taken. */
  get size(): number {
    return this.fullBytes + this.at;
  }

  /** Everything written so far, in order, as chunks handed over (the writer keeps none of them). */
  take(): Buffer[] {
    const out = this.full.splice(0);
    if (this.at > 0) {
      out.push(this.buf.subarray(0, this.at));
      this.buf = Buffer.allocUnsafe(this.chunkBytes);
      this.at = 0;
    }
    this.fullBytes = 0;
    return out;
  }
}

export class CopyTextWriter extends ByteChunks {
  constructor(
    chunkBytes = 256 * 1024,
    readonly flavour: CopyFlavour = 'text',
  ) {
    super(chunkBytes);
  }

  /** Where the next byte goes in the current chunk: a row's start, to rewind to. */
  get position(): number {
    return this.at;
  }

  /** Drops what was written after `position` (in the same chunk: reserve the row first). */
  rewind(position: number): void {
    this.at = position;
  }

  /**
   * A text value. `mayNeedEscape` false skips the scan: the caller knows it holds no tab, newline,
   * carriage return or backslash (e.g. parsed from a JSON line with no backslash in it), nor (CSV)
   * a `"`, nor is `\N`: a JSON string holds each of those only with a backslash.
   */
  text(value: string, mayNeedEscape = true): void {
    const escaped = mayNeedEscape ? copyTextValue(value, this.flavour) : value;
    this.at += this.buf.write(escaped, this.at, 'utf8');
  }

  /** Text known to be ASCII and to need no escape (numbers, prepared prefixes). */
  ascii(value: string): void {
    this.at += this.buf.write(value, this.at, 'latin1');
  }

  /** Bytes already in COPY text form. */
  bytes(value: Buffer): void {
    value.copy(this.buf, this.at);
    this.at += value.length;
  }

  null(): void {
    this.buf[this.at++] = BACKSLASH;
    this.buf[this.at++] = LETTER_N;
  }

  tab(): void {
    this.buf[this.at++] = TAB;
  }

  endRow(): void {
    this.buf[this.at++] = NEWLINE;
  }

}
