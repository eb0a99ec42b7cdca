import { createWriteStream, promises as fs, WriteStream } from 'fs';
import { once } from 'events';
import { finished } from 'stream/promises';
import path from 'path';

const FLUSH_CHARS = 64 * 1024;

/**
 * Writes time-ordered log lines into one file per UTC day, newline-separated with no newline
 * after the last line. Buffers at most FLUSH_CHARS before handing data to the stream and waits
 * for 'drain' whenever the stream asks, so memory stays flat however big the day is.
 */
export class DailyLogWriter {
  private stream: WriteStream | null = null;
  private day = -1;
  private buffer = '';
  private firstLine = true;
  private error: Error | null = null;
  files = 0;
  bytes = 0;

  constructor(
    private readonly outDir: string,
    private readonly startMs: number,
  ) {}

  /** Returns a promise only when the caller must wait (new file, or backpressure). */
  append(ts: number, line: string): Promise<void> | undefined {
    const day = Math.floor((ts - this.startMs) / 86_400_000);
    if (day !== this.day) return this.rotate(day).then(() => this.append(ts, line));
    if (this.firstLine) this.firstLine = false;
    else this.buffer += '\n';
    this.buffer += line;
    return this.buffer.length >= FLUSH_CHARS ? this.flush() : undefined;
  }

  async close(): Promise<void> {
    await this.closeCurrent();
  }

  private async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream || this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    // Everything written is ASCII (non-ASCII is \u-escaped), so chars equal bytes.
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    if (this.error) throw this.error;
  }

  private async closeCurrent(): Promise<void> {
    if (!this.stream) return;
    await this.flush();
    const stream = this.stream;
    this.stream = null;
    stream.end();
    await finished(stream);
  }

  private async rotate(day: number): Promise<void> {
    await this.closeCurrent();
    const date = new Date(this.startMs + day * 86_400_000).toISOString().slice(0, 10);
    const dir = path.join(this.outDir, 'log_data', date.slice(0, 4), date.slice(5, 7));
    await fs.mkdir(dir, { recursive: true });
    const stream = createWriteStream(path.join(dir, `${date}-events.json`));
    stream.on('error', (err) => {
      this.error = err;
    });
    this.stream = stream;
    this.day = day;
    this.firstLine = true;
    this.files++;
  }
}
