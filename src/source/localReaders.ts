import { Worker } from 'node:worker_threads';
import { compiledThreadScript } from '../util/threadScript';
import { ListedFileGone } from './listedFileGone';
import type { ReadOutcome, ReadReply, ReadRequest } from './localReadProtocol';
import type { FileRead } from './types';

/** A file to read: its key (named in errors) and its path. */
export interface LocalFile {
  key: string;
  path: string;
}

export interface LocalReaderOptions {
  /** Reader threads at most: one at first, another after each batch whose files took over slowFileMs each. */
  readers: number;
  /** A read slower than this (ms a file) waited on the device: more readers then overlap the waits. */
  slowFileMs: number;
  /** Files a reader is given at once. */
  batchFiles: number;
  /** Bytes after which a reader replies before reading the rest of its batch (at least one file a reply). */
  batchBytes: number;
  /** Told of each reader thread as it starts (to observe the pool). */
  onReaderStarted?: (thread: Worker) => void;
}

/**
 * Up to two threads: where the files are not in the page cache each read waits on the device, and
 * two at once read 71,000 song files in 3.9 s where one took 6.3 s (four: 2.3-2.6 s, but each
 * thread is an isolate of about 11 MiB, and more while it reads: the worker's peak memory at 8M
 * events grew by 64 MiB with four). Cached, a file takes about 8 µs and one thread reads far ahead
 * of staging, so the second starts only once reads take over 40 µs a file (docs/performance-log.md).
 * Batches of 64 files: one message each way per batch, not per file. A reply carries about 1 MiB
 * at most and one file more (a song file is at most MAX_SONG_FILE_BYTES), and the reads staging has
 * not taken yet are held to about 2 × readers × 1 MiB (readLocalFilesAhead).
 */
export const LOCAL_READERS: LocalReaderOptions = { readers: 2, slowFileMs: 0.04, batchFiles: 64, batchBytes: 1024 * 1024 };

/** The compiled reader thread script (compiledThreadScript); an error where it is not built. */
function readThreadScript(): string {
  const script = compiledThreadScript(__dirname, 'source', 'localReadThread.js');
  if (script === undefined) throw new Error('the local reader thread script (localReadThread.js) is not built: run `npm run build`');
  return script;
}

interface Batch {
  files: LocalFile[];
  /** The reads so far, in the files' order; each dropped (undefined) once yielded. */
  reads: (FileRead | undefined)[];
  reading: boolean;
}

/**
 * Reads `files` up to `cap` bytes each on reader threads, a few batches ahead of the consumer, and
 * yields each file's read in the files' order. At most 2 × readers batches are taken from `files`
 * and not yet yielded, and a reader is given more to read only while the reads not yet yielded hold
 * under 2 × readers × batchBytes, or when the consumer waits for it. A file that
 * cannot be read is yielded with its error, as readUpTo throws it (a file gone since the listing
 * as ListedFileGone). Stopping early stops the threads.
 */
export async function* readLocalFilesAhead(
  files: Iterable<LocalFile> | AsyncIterable<LocalFile>,
  cap: number,
  options: LocalReaderOptions = LOCAL_READERS,
): AsyncGenerator<[string, FileRead]> {
  const source: AsyncIterator<LocalFile> | Iterator<LocalFile> =
    Symbol.asyncIterator in files ? files[Symbol.asyncIterator]() : files[Symbol.iterator]();
  const script = readThreadScript();
  const batches: Batch[] = [];
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const readingBy = new Map<Worker, Batch>();
  // Readers allowed to run: one, and one more after each batch read slowly (LOCAL_READERS).
  let allowed = 1;
  let heldBytes = 0;
  const maxHeldBytes = 2 * options.readers * options.batchBytes;
  // How many of the first batch's reads the consumer has taken.
  let taken = 0;
  let more = true;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  const send = (worker: Worker, batch: Batch) => {
    batch.reading = true;
    readingBy.set(worker, batch);
    const request: ReadRequest = { files: batch.files.slice(batch.reads.length), cap, budget: options.batchBytes };
    worker.postMessage(request);
  };
  const onReply = (worker: Worker, reply: ReadReply) => {
    const batch = readingBy.get(worker)!;
    readingBy.delete(worker);
    let offset = 0;
    for (const outcome of reply.outcomes) {
      const file = batch.files[batch.reads.length];
      batch.reads.push(readOf(file, outcome, reply.data, offset));
      if (!('error' in outcome)) offset += outcome.length;
    }
    heldBytes += offset;
    batch.reading = false;
    if (allowed < options.readers && reply.readMs > options.slowFileMs * reply.outcomes.length) allowed++;
    // The rest of a batch cut short by the budget is dispatched again, before any later batch.
    idle.push(worker);
    dispatch();
    notify();
  };
  const startReader = (): Worker => {
    const worker = new Worker(script);
    worker.on('message', (reply: ReadReply) => onReply(worker, reply));
    worker.on('error', (err) => {
      failure ??= err;
      notify();
    });
    worker.on('exit', (code) => {
      if (readingBy.has(worker)) failure ??= new Error(`a local reader thread exited (code ${code}) while reading`);
      notify();
    });
    workers.push(worker);
    options.onReaderStarted?.(worker);
    return worker;
  };

  /** Gives each batch that waits for a thread one, in order, while there are threads and room. */
  const dispatch = () => {
    for (const batch of batches) {
      if (batch.reading || batch.reads.length === batch.files.length) continue;
      // Past the room, only the batch the consumer has taken every read of (and so waits for).
      if (heldBytes >= maxHeldBytes && !(batch === batches[0] && taken === batch.reads.length)) return;
      const worker = idle.pop() ?? (workers.length < allowed ? startReader() : undefined);
      if (worker === undefined) return;
      send(worker, batch);
    }
  };
  /** Takes batches from `files` until 2 × readers are ahead, and dispatches them. */
  const fill = async () => {
    while (more && batches.length < 2 * options.readers) {
      const batch: Batch = { files: [], reads: [], reading: false };
      while (batch.files.length < options.batchFiles) {
        const next = await source.next();
        if (next.done) {
          more = false;
          break;
        }
        batch.files.push(next.value);
      }
      if (batch.files.length > 0) batches.push(batch);
    }
    dispatch();
  };

  try {
    await fill();
    while (batches.length > 0) {
      const head = batches[0];
      while (taken < head.reads.length) {
        const read = head.reads[taken]!;
        head.reads[taken] = undefined;
        if ('file' in read) heldBytes -= read.file.content.length;
        yield [head.files[taken++].key, read];
      }
      if (taken === head.files.length) {
        batches.shift();
        taken = 0;
        await fill();
        continue;
      }
      dispatch();
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await source.return?.();
  }
}

/** A file's read from a reader's outcome, its content a view of the reply's data. */
function readOf(file: LocalFile, outcome: ReadOutcome, data: ArrayBuffer, offset: number): FileRead {
  if ('error' in outcome) {
    const { message, code } = outcome.error;
    if (code === 'ENOENT') return { error: new ListedFileGone(file.path, 'ENOENT') };
    return { error: Object.assign(new Error(message), code === undefined ? {} : { code }) };
  }
  return { file: { content: Buffer.from(data, offset, outcome.length), bytes: outcome.bytes, overCap: outcome.overCap } };
}
