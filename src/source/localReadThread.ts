/**
 * A reader thread of the local reader pool (localReaders.ts): it reads the files it is given with
 * synchronous calls, in order, and replies with their contents in one buffer, moved, not copied.
 * Several such threads wait on the disk at once where a file is not in the page cache.
 */
import { parentPort } from 'node:worker_threads';
import { readRegularFileUpTo } from './localRead';
import type { ReadOutcome, ReadReply, ReadRequest } from './localReadProtocol';

const port = parentPort!;

port.on('message', ({ files, cap, budget }: ReadRequest) => {
  const started = performance.now();
  const outcomes: ReadOutcome[] = [];
  const contents: Buffer[] = [];
  let total = 0;
  for (const { key, path } of files) {
    // At least one file a request, so a file larger than the budget is still read.
    if (outcomes.length > 0 && total >= budget) break;
    try {
      const read = readRegularFileUpTo(path, key, cap);
      outcomes.push({ length: read.content.length, bytes: read.bytes, overCap: read.overCap });
      contents.push(read.content);
      total += read.content.length;
    } catch (err) {
      const { message, code } = err as NodeJS.ErrnoException;
      outcomes.push({ error: { message: String(message), ...(typeof code === 'string' ? { code } : {}) } });
    }
  }
  // A buffer of its own, not a slice of Node's pool, so that it can be moved.
  const joined = Buffer.allocUnsafeSlow(total);
  let offset = 0;
  for (const content of contents) offset += content.copy(joined, offset);
  const data = joined.buffer as ArrayBuffer;
  const reply: ReadReply = { outcomes, data, readMs: performance.now() - started };
  port.postMessage(reply, [data]);
});
