import { isUtf8 } from 'node:buffer';
import { BOM, CR, finishedLine, NEWLINE } from '../etl/lineReader';
import type { RawLine } from './rawLines';

/**
 * An event log's raw lines, exactly as readLines (src/etl/lineReader.ts) gives them, but cheaper
 * for the common case: the complete lines of a chunk that holds no NUL byte and is valid UTF-8
 * are decoded in one call and cut at each newline in the string, instead of a Buffer, a NUL scan,
 * a UTF-8 check and a decode per line. A line that crosses a chunk boundary, and every line of a
 * chunk that fails those checks, goes the line reader's own way (the same code, line by line).
 * test/stagingThread.test.ts compares the two on the corpus and on random bytes.
 */
/** isBlank's test (src/etl/lineReader.ts) on decoded text (the same five characters; anything else is not blank). */
function isBlankText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== CR && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

/**
 * Complete lines of a chunk handed on as bytes (region mode): `bytes` holds lines `firstLine` to
 * `lastLine`, separated by newlines (none after the last), known to hold no NUL byte, to be valid
 * UTF-8 and to be no longer than the cap. Blank lines are in it (copyStaging.ts skips them).
 */
export interface LineRegion {
  sourceKey: string;
  bytes: Buffer;
  firstLine: number;
  lastLine: number;
}

export const isLineRegion = (item: RawLine | LineRegion): item is LineRegion => 'bytes' in item;

/** isBlank (src/etl/lineReader.ts) on part of a buffer: only spaces, tabs, CR, VT, FF (or nothing). */
export function isBlankBytes(bytes: Buffer, start: number, end: number): boolean {
  if (start < end && bytes[start] > 0x20) return false;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

/**
 * Takes a region of complete lines (no NUL byte, valid UTF-8, see completeLines) as bytes, after
 * line `lineNo`: returns the last line number it took, or -1 to leave the region to the splitter.
 */
export type RegionTaker = (region: Buffer, lineNo: number) => number;

export class ChunkLineSplitter {
  /** Lines (and, in region mode, regions of lines) split so far and not yet taken. */
  lines: (RawLine | LineRegion)[] = [];
  /** How many lines `lines` holds (a region counts its lines). */
  pending = 0;
  private lineNo = 0;
  // The current (unfinished) line's bytes seen so far, up to the cap, and its full length.
  private parts: Buffer[] = [];
  private kept = 0;
  private length = 0;
  private atStart = true;

  constructor(
    private readonly sourceKey: string,
    private readonly maxLineBytes: number,
    /** Optional: takes regions of complete lines as bytes, before they are split into strings (rawLineCopy.ts). */
    private readonly takeRegion?: RegionTaker,
    /** Hand a chunk's checked complete lines on as one LineRegion instead of a RawLine each. */
    private readonly regions = false,
  ) {}

  /** The last line number seen (blank lines count). */
  get line(): number {
    return this.lineNo;
  }

  push(raw: Buffer): void {
    let chunk = raw;
    if (this.atStart) {
      if (chunk.length === 0) return;
      this.atStart = false;
      if (chunk.length >= 3 && chunk.subarray(0, 3).equals(BOM)) chunk = chunk.subarray(3);
    }
    const first = chunk.indexOf(NEWLINE);
    if (first < 0) {
      if (chunk.length > 0) this.take(Buffer.from(chunk));
      return;
    }
    // The line the previous chunk began ends here.
    this.take(chunk.subarray(0, first));
    this.endLine();
    const last = chunk.lastIndexOf(NEWLINE);
    if (last > first) this.completeLines(chunk.subarray(first + 1, last));
    if (last + 1 < chunk.length) this.take(Buffer.from(chunk.subarray(last + 1)));
  }

  /** The end of the file: a last line without a newline is a line too. */
  end(): void {
    if (this.length > 0 || this.parts.length > 0) this.endLine();
  }

  /** Takes the lines split so far (line mode: there are no regions). */
  takeLines(): RawLine[] {
    return this.takeItems() as RawLine[];
  }

  /** Takes the lines and regions split so far, in order. */
  takeItems(): (RawLine | LineRegion)[] {
    const out = this.lines;
    this.lines = [];
    this.pending = 0;
    return out;
  }

  /** Whole lines (`region` is complete lines separated by newlines, without the last newline). */
  private completeLines(region: Buffer): void {
    if (region.length > this.maxLineBytes || region.includes(0) || !isUtf8(region)) {
      let start = 0;
      for (;;) {
        const nl = region.indexOf(NEWLINE, start);
        this.take(region.subarray(start, nl < 0 ? region.length : nl));
        this.endLine();
        if (nl < 0) return;
        start = nl + 1;
      }
    }
    if (this.takeRegion) {
      const taken = this.takeRegion(region, this.lineNo);
      if (taken >= 0) {
        this.lineNo = taken;
        return;
      }
    }
    if (this.regions) {
      // Numbered here; counted as the line reader counts them (blank lines are not).
      const firstLine = this.lineNo + 1;
      let lineNo = this.lineNo;
      let start = 0;
      for (;;) {
        const nl = region.indexOf(NEWLINE, start);
        const end = nl < 0 ? region.length : nl;
        lineNo++;
        if (!isBlankBytes(region, start, end)) this.pending++;
        if (nl < 0) break;
        start = nl + 1;
      }
      this.lines.push({ sourceKey: this.sourceKey, bytes: region, firstLine, lastLine: lineNo });
      this.lineNo = lineNo;
      return;
    }
    const text = region.toString('utf8');
    const key = this.sourceKey;
    const out = this.lines;
    let lineNo = this.lineNo;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      lineNo++;
      let line = text.slice(start, end);
      if (line.length > 0 && line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
      const c = line.length === 0 ? 0x20 : line.charCodeAt(0);
      if (!(c <= 0x20 && isBlankText(line))) {
        out.push({ sourceKey: key, line: lineNo, text: line, problem: null });
        this.pending++;
      }
      if (nl < 0) break;
      start = nl + 1;
    }
    this.lineNo = lineNo;
  }

  // The line reader's own handling of one line (src/etl/lineReader.ts), for the rest.
  private take(bytes: Buffer): void {
    this.length += bytes.length;
    const room = this.maxLineBytes + 1 - this.kept; // one byte more than the cap: enough to see a trailing CR
    if (room > 0) {
      const piece = bytes.length > room ? bytes.subarray(0, room) : bytes;
      this.parts.push(piece);
      this.kept += piece.length;
    }
  }

  private endLine(): void {
    this.lineNo++;
    const line = finishedLine(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.kept), this.length, this.maxLineBytes);
    this.parts = [];
    this.kept = 0;
    this.length = 0;
    if (line) {
      this.lines.push({ sourceKey: this.sourceKey, line: this.lineNo, ...line });
      this.pending++;
    }
  }
}
