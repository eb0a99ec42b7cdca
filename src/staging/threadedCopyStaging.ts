import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { RecordKind } from '../etl/types';
import { hasLocalFiles, type Source } from '../source';
import { openRegularFile } from '../source/localRead';
import { isNoRoom } from '../util/storageFaults';
import { compiledThreadScript } from '../util/threadScript';
import type { CopySegment, PartSpool, SpoolingSegments } from '../warehouse/copyTextStaging';
import type { EncodeThreadSetup, FromEncoder, SongFileBytes, ToEncoder } from './copyEncodeProtocol';
import type { CopyFlavour } from './copyText';
import { REJECT_FLUSH_BYTES } from './copyStaging';
import { gatherKeys, type FileKeys } from './listedKeys';
import { MAX_SONG_FILE_BYTES, readFilesAhead, type ReadProgress } from './rawLines';

/** Bytes of source files handed to the thread and not yet taken by it. */
const INPUT_WINDOW = 4 * 1024 * 1024;
/** Bytes of encoded COPY text the thread sends ahead of what COPY has taken. */
const OUTPUT_WINDOW = 8 * 1024 * 1024;
/** Local event logs open at once: the one the thread reads and the next. */
const FILES_OPEN_AHEAD = 2;

/** Song files go to the thread in messages of up to this many files or bytes. */
const SONG_MESSAGE_FILES = 256;
const SONG_MESSAGE_BYTES = 256 * 1024;

/**
 * A stream chunk's bytes in memory that can be moved to the thread: the chunk itself when it is
 * the whole of a large memory block (a file stream reads into a new block each time), else a copy
 * (small buffers share Node's 8 KiB pool; a network chunk is often a slice of a larger block).
 */
function ownMemory(chunk: Buffer): Uint8Array {
  const block = chunk.buffer;
  if (block instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === block.byteLength && block.byteLength >= 16 * 1024) return chunk;
  return new Uint8Array(chunk);
}

export interface ThreadedCopyOptions {
  runId: string;
  kind: RecordKind;
  keys: FileKeys;
  source: Source;
  rawCap: number;
  flavour: CopyFlavour;
  progress: ReadProgress;
  onProgress: () => void;
  rejectFlushBytes?: number;
  /** For tests: the thread fails when it starts this file. */
  failOnKey?: string;
  /** Event lines raw, for the warehouse to parse (rawLineCopy.ts). */
  rawLines?: boolean;
  /** Each file's staged rows counted into etl_file_counts (not with rawLines). */
  countFiles?: boolean;
}

/** The compiled encoding thread script (compiledThreadScript), if it is built. */
export function encodeThreadScript(): string | undefined {
  return compiledThreadScript(__dirname, 'staging', 'copyEncodeThread.js');
}

/**
 * An error in the encoding thread, naming the file (and line) it was at; a write of its own files
 * with no room (a DuckDB staging's part files) names none: the source is not at fault.
 */
export class EncodeThreadError extends Error {
  constructor(kind: RecordKind, message: string, file?: string, line?: number) {
    const at = file === undefined ? '' : ` at ${file}${line === undefined ? '' : ` line ${line}`}`;
    super(isNoRoom(new Error(message)) ? `staging ${kind}: a write of the encoding thread's files failed: ${message}` : `staging ${kind}: encoding COPY text failed${at}: ${message}`);
    this.name = 'EncodeThreadError';
  }
}

/**
 * The same COPY segments as stagingCopySegments (copyStaging.ts), with the reading (of local event
 * logs), parsing and encoding on a worker thread: this thread opens local event logs for it (or
 * reads other sources and moves their bytes over) and moves the thread's COPY text to COPY, so
 * parsing and PostgreSQL's COPY run on different cores. Memory stays bounded: INPUT_WINDOW bytes
 * of files (or the thread's one read buffer) and OUTPUT_WINDOW bytes of COPY text are in flight at
 * most. Stopping early (a failed COPY, cancellation) stops the thread and the file reads, and
 * closes the files.
 *
 * A warehouse that loads part files (DuckDB) may call spoolInto before it iterates: the thread then
 * writes each segment's part files itself and the segments come with `parts` (no COPY text crosses
 * to this thread: measured, passing 256 KiB chunks over and writing them here cost the worker
 * about 1 CPU-s per 1.6M events).
 */
export function threadedCopySegments(options: ThreadedCopyOptions): SpoolingSegments {
  const target: { spool?: PartSpool } = {};
  return Object.assign(threadedSegments(options, target), {
    spoolInto: (spool: PartSpool) => {
      target.spool = spool;
    },
  });
}

async function* threadedSegments(options: ThreadedCopyOptions, target: { spool?: PartSpool }): AsyncGenerator<CopySegment> {
  const { kind, keys, source, progress, onProgress } = options;
  // Local event logs: this thread opens them (a few ahead of the thread's reading) and closes
  // them once read, or when staging stops; the thread reads them by descriptor. It indexes their
  // keys, gathered first: one log per day (listedKeys.ts).
  const local = kind === 'events' && !options.rawLines && hasLocalFiles(source) ? source : undefined;
  const localKeys = local ? await gatherKeys(keys) : [];
  const script = encodeThreadScript();
  if (script === undefined) throw new Error('the staging encoder thread script (copyEncodeThread.js) is not built: run `npm run build`');
  const setup: EncodeThreadSetup = {
    runId: options.runId,
    kind,
    rawCap: options.rawCap,
    rejectFlushBytes: options.rejectFlushBytes ?? REJECT_FLUSH_BYTES,
    flavour: options.flavour,
    outputWindow: OUTPUT_WINDOW,
    failOnKey: options.failOnKey,
    rawLines: options.rawLines,
    countFiles: options.countFiles,
    spool: target.spool,
  };
  const worker = new Worker(script, { workerData: setup });

  // What the thread sent that COPY has yet to take, and who waits for it.
  const outbox: FromEncoder[] = [];
  let failure: Error | undefined;
  let wakeReader: (() => void) | undefined;
  // Input credit: bytes sent to the thread and not yet taken, and who waits for room.
  let inFlight = 0;
  let wakeFeeder: (() => void) | undefined;
  let stopped = false;
  let finished = false;
  const wakeAll = () => {
    wakeReader?.();
    wakeFeeder?.();
  };
  const fail = (err: Error) => {
    failure ??= err;
    wakeAll();
  };

  const openFiles = new Map<number, number>();
  let nextToOpen = 0;
  const closeFilesBefore = (index: number) => {
    for (const [i, fd] of openFiles) {
      if (i < index) {
        openFiles.delete(i);
        fs.closeSync(fd);
      }
    }
  };
  const openAhead = (filesDone: number) => {
    if (local === undefined) return;
    try {
      closeFilesBefore(filesDone);
      while (!stopped && failure === undefined && nextToOpen < localKeys.length && nextToOpen < filesDone + FILES_OPEN_AHEAD) {
        const index = nextToOpen++;
        const { fd } = openRegularFile(local.filePath(localKeys[index]), localKeys[index]);
        openFiles.set(index, fd);
        send({ t: 'read', key: localKeys[index], fd });
      }
      if (nextToOpen === localKeys.length && !stopped) {
        nextToOpen++;
        send({ t: 'done' });
      }
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
    }
  };

  worker.on('message', (message: FromEncoder) => {
    if (message.t === 'credit') {
      inFlight -= message.bytes;
      wakeFeeder?.();
    } else if (message.t === 'progress') {
      progress.filesDone = message.filesDone;
      progress.lines = message.lines;
      progress.file = message.file;
      progress.line = message.line;
      if (message.bytes !== undefined) progress.bytes = message.bytes;
      openAhead(message.filesDone);
      // A throwing heartbeat fails the staging call, as on the main thread; it must not escape this handler.
      try {
        onProgress();
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    } else if (message.t === 'failed') {
      fail(new EncodeThreadError(kind, message.message, message.file, message.line));
    } else {
      if (message.t === 'finished') finished = true;
      outbox.push(message);
      wakeReader?.();
    }
  });
  worker.on('error', (err) => fail(new EncodeThreadError(kind, err.message, progress.file, progress.line)));
  worker.on('exit', (code) => {
    if (!stopped && !finished) fail(new EncodeThreadError(kind, `the thread exited (code ${code}) before it finished`, progress.file, progress.line));
  });

  const send = (message: ToEncoder, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);
  const room = async (bytes: number) => {
    while (!stopped && failure === undefined && inFlight > 0 && inFlight + bytes > INPUT_WINDOW) {
      await new Promise<void>((resolve) => (wakeFeeder = resolve));
    }
    wakeFeeder = undefined;
    if (failure !== undefined || stopped) return false;
    inFlight += bytes;
    return true;
  };

  // Reads the files and hands their bytes over, INPUT_WINDOW at most ahead of the thread.
  const feed = async () => {
    if (local !== undefined) {
      // Read by the thread itself, into one buffer it reuses (openAhead sends them, and 'done').
      openAhead(0);
      return;
    } else if (kind === 'events') {
      for await (const key of keys) {
        send({ t: 'open', key });
        const input = await source.open(key);
        try {
          for await (const chunk of input) {
            const bytes = (chunk as Buffer).length;
            progress.bytes += bytes;
            if (!(await room(bytes))) return;
            const data = ownMemory(chunk as Buffer);
            send({ t: 'data', data }, [data.buffer as ArrayBuffer]);
          }
        } finally {
          input.destroy();
        }
        send({ t: 'end' });
      }
    } else {
      let files: SongFileBytes[] = [];
      let bytes = 0;
      const flush = async () => {
        if (!(await room(bytes))) return false;
        const data = files;
        send({ t: 'songs', files: data }, data.map((f) => f.content.buffer as ArrayBuffer));
        files = [];
        bytes = 0;
        return true;
      };
      for await (const [key, read] of readFilesAhead(source, keys, MAX_SONG_FILE_BYTES)) {
        if (stopped || failure !== undefined) return;
        if ('error' in read) throw read.error;
        const file = read.file;
        progress.bytes += file.bytes;
        // A copy of its own, moved to the thread: a read shares its buffer (Node's pool, or a local
        // reader's reply with other files), which would be cloned whole.
        files.push({ key, content: new Uint8Array(file.content), bytes: file.bytes, overCap: file.overCap });
        bytes += file.content.length;
        if ((files.length >= SONG_MESSAGE_FILES || bytes >= SONG_MESSAGE_BYTES) && !(await flush())) return;
      }
      if (files.length > 0 && !(await flush())) return;
    }
    send({ t: 'done' });
  };
  const feeding = feed().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));

  /** The next message meant for COPY, or the failure. */
  const next = async (): Promise<FromEncoder> => {
    while (outbox.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wakeReader = resolve));
    wakeReader = undefined;
    if (failure !== undefined) throw failure;
    return outbox.shift()!;
  };
  async function* segmentData(): AsyncGenerator<Buffer> {
    for (;;) {
      const message = await next();
      if (message.t === 'segmentEnd') return;
      if (message.t !== 'chunk') throw new EncodeThreadError(kind, `unexpected "${message.t}" inside a segment`);
      const data = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      send({ t: 'ack', bytes: data.length });
      yield data;
    }
  }

  /** A spooled segment's part files, each as the thread completes it; taken once the caller asks for the next. */
  async function* segmentParts(): AsyncGenerator<string> {
    for (;;) {
      const message = await next();
      if (message.t === 'segmentEnd') return;
      if (message.t !== 'part') throw new EncodeThreadError(kind, `unexpected "${message.t}" inside a spooled segment`);
      yield message.file;
      send({ t: 'partTaken' });
    }
  }

  try {
    for (;;) {
      const message = await next();
      if (message.t === 'finished') break;
      if (message.t !== 'segment') throw new EncodeThreadError(kind, `unexpected "${message.t}" between segments`);
      if (setup.spool) yield { table: message.table, columns: message.columns, data: [], parts: segmentParts() };
      else yield { table: message.table, columns: message.columns, data: segmentData() };
    }
    await feeding;
    if (failure !== undefined) throw failure;
  } finally {
    stopped = true;
    wakeAll();
    await worker.terminate();
    await feeding;
    closeFilesBefore(Infinity);
  }
}
