/**
 * The rejected records of a staging that appends parsed rows (Redshift from a local source), kept
 * in a file while the rows stream in and read back to be appended once they are in: memory stays
 * bounded however many records a run rejects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { RejectedRecord } from '../etl/records';

/** Rejects are written in pieces of about this many characters. */
const FLUSH_CHARS = 1 << 20;

export class RejectSpool {
  /** Rejects added so far. */
  count = 0;
  /** The first rejects added, up to the number asked for. */
  readonly samples: RejectedRecord[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private fd: number | undefined;

  private constructor(
    private readonly dir: string,
    readonly file: string,
    private readonly sampleCount: number,
  ) {
    this.fd = fs.openSync(file, 'w');
  }

  /** A spool in a directory of its own under the system's temporary directory. */
  static open(sampleCount: number): RejectSpool {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-rejects-'));
    return new RejectSpool(dir, path.join(dir, 'rejects.jsonl'), sampleCount);
  }

  add(reject: RejectedRecord): void {
    this.count++;
    if (this.samples.length < this.sampleCount) this.samples.push(reject);
    // readline ends a line at U+2028 and U+2029 too, which JSON leaves unescaped in strings.
    const line = `${JSON.stringify(reject).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  /** Every reject added, in order; no more can be added once this is called. */
  async *records(): AsyncGenerator<RejectedRecord> {
    this.flush();
    this.closeFile();
    const lines = readline.createInterface({ input: fs.createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) yield JSON.parse(line) as RejectedRecord;
  }

  /** Removes the file. */
  remove(): void {
    this.closeFile();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    fs.writeSync(this.fd!, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
