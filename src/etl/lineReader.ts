import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';

/** One line of a source file as the warehouse receives it: never parsed here. */
export interface SourceLine {
  /** 1-based line number within the file, counting every line (blank ones too). */
  line: number;
  /** The line's text without its line ending, at most `maxLineBytes` bytes of it. */
  text: string;
  /** Why the line cannot be a record whatever its content (too long, not UTF-8, NUL byte); null if none. */
  problem: string | null;
}

export interface LineReaderOptions {
  /** Longer lines are cut here while reading (the rest is skipped, never buffered) and rejected. */
  maxLineBytes: number;
  /** Lines are yielded in batches of about this many (fewer async steps per line). */
  batchSize?: number;
}

export const NEWLINE = 0x0a;
export const CR = 0x0d;
export const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const REPLACEMENT = '\uFFFD';

/** A line that holds only whitespace (blank lines are not records). */
export function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== CR && b !== 0x0b && b !== 0x0c) return false;
  }
  return true;
}

/**
 * A finished line's text, and why it is no record (null: it may be one); undefined for a blank
 * line. `bytes` holds the line's first bytes (up to one past the cap), `fullLength` all of them.
 */
export function finishedLine(bytes: Buffer, fullLength: number, maxLineBytes: number): { text: string; problem: string | null } | undefined {
  const overLong = fullLength > maxLineBytes;
  if (!overLong && bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
  if (!overLong && isBlank(bytes)) return undefined;
  let problem: string | null = null;
  if (overLong) problem = `line is ${fullLength} bytes long, more than the limit of ${maxLineBytes}`;
  else if (bytes.includes(0)) problem = 'line holds a NUL byte, which is not valid JSON text';
  else if (!isUtf8(bytes)) problem = 'line is not valid UTF-8';
  let text = bytes.toString('utf8');
  if (problem !== null && text.includes('\0')) text = text.replace(/\0/g, REPLACEMENT);
  return { text, problem };
}

/**
 * Splits a byte stream into lines with bounded memory: a leading UTF-8 byte-order mark is dropped,
 * CRLF and LF both end a line, blank lines are skipped (but counted), and a line longer than
 * `maxLineBytes` is kept only up to the cap and marked with a problem. Lines that are not valid
 * UTF-8 or hold a NUL byte (which no text column can store) are marked too, their text made safe.
 */
export async function* readLines(input: Readable | AsyncIterable<Buffer | string>, options: LineReaderOptions): AsyncGenerator<SourceLine[]> {
  const { maxLineBytes } = options;
  const batchSize = options.batchSize ?? 2048;
  let batch: SourceLine[] = [];
  let lineNo = 0;
  // The current line's bytes seen so far (up to the cap) and its full length.
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let atStart = true;

  const endLine = (): void => {
    lineNo++;
    const line = finishedLine(parts.length === 1 ? parts[0] : Buffer.concat(parts, kept), length, maxLineBytes);
    parts = [];
    kept = 0;
    length = 0;
    if (line) batch.push({ line: lineNo, ...line });
  };

  const take = (bytes: Buffer): void => {
    length += bytes.length;
    const room = maxLineBytes + 1 - kept; // one byte more than the cap: enough to see a trailing CR
    if (room > 0) {
      const piece = bytes.length > room ? bytes.subarray(0, room) : bytes;
      // Copy: a chunk's memory must not stay alive through a slice of it.
      parts.push(parts.length === 0 && piece.length === bytes.length ? piece : Buffer.from(piece));
      kept += piece.length;
    }
  };

  for await (const raw of input) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : (raw as Buffer);
    if (atStart) {
      if (chunk.length === 0) continue;
      atStart = false;
      if (chunk.length >= 3 && chunk.subarray(0, 3).equals(BOM)) chunk = chunk.subarray(3);
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      take(chunk.subarray(start, nl));
      endLine();
      start = nl + 1;
    }
    if (start < chunk.length) take(Buffer.from(chunk.subarray(start)));
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (length > 0 || parts.length > 0) endLine();
  if (batch.length > 0) yield batch;
}
