/**
 * Waits until what the command wrote to `stream` has left the process. On a pipe, Node writes
 * asynchronously: `process.exit` right after the command dropped what was still queued, so
 * `sparkify sql --json … | jq` got the first 64 KiB and the exit status said all was well.
 * A reader that went away (`| head`) is not waited for.
 */
export function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable || stream.writableLength === 0) {
      resolve();
      return;
    }
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

/** Keeps a reader that closed the pipe early (`sparkify sql … | head`) from crashing the command with EPIPE. */
export function ignoreClosedReader(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
