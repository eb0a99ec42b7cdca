/**
 * The thread that parses and encodes staging COPY text (started by threadedCopyStaging.ts): it
 * reads a local event log by the descriptor the main thread opened, or takes a file's bytes (other
 * sources) or whole song files from the main thread, splits them into lines and records exactly as
 * rawLines.ts does (complete lines as regions of bytes, written from their bytes where they can
 * be: copyStaging.ts encodeRegion), and runs stagingCopySegments on them, posting the segments'
 * encoded bytes back. Both directions are bounded by credit (copyEncodeProtocol.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkLineSplitter, isLineRegion, type LineRegion } from './chunkLines';
import type { EncodeThreadSetup, FromEncoder, SongFileBytes, ToEncoder } from './copyEncodeProtocol';
import { stagingCopySegments } from './copyStaging';
import { RawLineCopyEncoder, rawLineCopySegments } from './rawLineCopy';
import { MAX_LINE_BYTES, SONG_BATCH, songRecords, type RawLine } from './rawLines';

const port = parentPort!;
const setup = workerData as EncodeThreadSetup;
const post = (message: FromEncoder, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);

/** Messages from the main thread, in order, taken one at a time. */
const inbox: ToEncoder[] = [];
let wakeInbox: (() => void) | undefined;
/** Encoded bytes posted and not yet acknowledged, and who waits for room. */
let unacked = 0;
let wakeSender: (() => void) | undefined;
/** Part files written (setup.spool) and those the main thread has loaded. */
let partsWritten = 0;
let partsTaken = 0;

port.on('message', (message: ToEncoder) => {
  if (message.t === 'ack') {
    unacked -= message.bytes;
    wakeSender?.();
    return;
  }
  if (message.t === 'partTaken') {
    partsTaken++;
    wakeSender?.();
    return;
  }
  inbox.push(message);
  wakeInbox?.();
});

async function nextMessage(): Promise<ToEncoder> {
  while (inbox.length === 0) await new Promise<void>((resolve) => (wakeInbox = resolve));
  wakeInbox = undefined;
  return inbox.shift()!;
}

async function send(bytes: Buffer): Promise<void> {
  while (unacked > 0 && unacked + bytes.length > setup.outputWindow) await new Promise<void>((resolve) => (wakeSender = resolve));
  wakeSender = undefined;
  unacked += bytes.length;
  // A writer's chunk is the only view of its memory once taken (copyText.ts), so it moves as it is.
  post({ t: 'chunk', data: bytes }, [bytes.buffer as ArrayBuffer]);
}

/**
 * With setup.spool: a segment's bytes written to part files of about partBytes here, each
 * announced once complete. A new part is started only while at most one written part waits to be
 * loaded, so the folder holds at most two (the one loading and the one being written).
 */
async function spoolSegment(data: AsyncIterable<Buffer> | Iterable<Buffer>, spool: { dir: string; partBytes: number }): Promise<void> {
  let fd: number | undefined;
  let file = '';
  let bytes = 0;
  const finishPart = () => {
    fs.closeSync(fd!);
    fd = undefined;
    partsWritten++;
    post({ t: 'part', file });
  };
  try {
    for await (const chunk of data) {
      if (fd === undefined) {
        while (partsWritten - partsTaken > 1) await new Promise<void>((resolve) => (wakeSender = resolve));
        wakeSender = undefined;
        file = path.join(spool.dir, `encoded-${partsWritten}.csv`);
        fd = fs.openSync(file, 'w');
        bytes = 0;
      }
      for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at, chunk.length - at);
      bytes += chunk.length;
      if (bytes >= spool.partBytes) finishPart();
    }
    if (fd !== undefined) finishPart();
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const where: { file?: string; line?: number } = {};
let filesDone = 0;
let linesDone = 0;
/** Bytes of the files the thread read itself. */
let bytesRead: number | undefined;
const reportProgress = () => post({ t: 'progress', filesDone, lines: linesDone, file: where.file, line: where.line, bytes: bytesRead });

/** Bytes read from a local file at a time, into one buffer: its lines are encoded before the next read. */
const READ_BYTES = 1024 * 1024;
let readBuffer: Buffer | undefined;

/** One event log's bytes, as the main thread sends them, until its end. */
async function* fileBytes(): AsyncGenerator<Buffer> {
  for (;;) {
    const message = await nextMessage();
    if (message.t === 'end') return;
    if (message.t !== 'data') throw new Error(`encoding thread: expected a file's bytes, got "${message.t}"`);
    post({ t: 'credit', bytes: message.data.byteLength });
    yield Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
  }
}

function startFile(key: string): void {
  where.file = key;
  where.line = undefined;
  if (key === setup.failOnKey) throw new Error(`failing on ${key}, as the test asked`);
}

/** Lines are handed on in batches of about this many (readLines' own batch size). */
const LINE_BATCH = 2048;
/** Raw rows the splitter wrote straight from bytes are handed on once about this many bytes wait. */
const RAW_HAND_ON_BYTES = 1024 * 1024;
/** With setup.rawLines: the encoder, shared by the line splitters (raw rows from bytes) and the segments. */
const rawEncoder = setup.rawLines ? new RawLineCopyEncoder(setup.runId, setup.kind, setup.rawCap) : undefined;

function handOn(splitter: ChunkLineSplitter): (RawLine | LineRegion)[] {
  linesDone += splitter.pending;
  if (rawEncoder) {
    linesDone += rawEncoder.rawLines;
    rawEncoder.rawLines = 0;
  }
  const batch = splitter.takeItems();
  const last = batch.at(-1);
  // Raw-line mode may hand on no line (the raw rows are in rawEncoder): the splitter's line then.
  where.line = last === undefined ? splitter.line : isLineRegion(last) ? last.lastLine : last.line;
  reportProgress();
  return batch;
}

/** The raw lines (or song records) of the files the main thread sends, in batches, as rawLinesOf gives them. */
async function* lines(): AsyncGenerator<(RawLine | LineRegion)[]> {
  let songBatch: RawLine[] = [];
  for (;;) {
    const message = await nextMessage();
    if (message.t === 'done') break;
    if (message.t === 'open') {
      const key = message.key;
      startFile(key);
      // Whatever a chunk completes, handed on once LINE_BATCH lines are waiting. Checked complete
      // lines: as regions of bytes, each line's row written from them (copyStaging.ts
      // encodeRegion), or in raw-line mode written raw by rawEncoder's region taker.
      const splitter = new ChunkLineSplitter(key, MAX_LINE_BYTES, rawEncoder?.regionTaker(key), rawEncoder === undefined);
      for await (const chunk of fileBytes()) {
        splitter.push(chunk);
        if (splitter.pending >= LINE_BATCH || (rawEncoder && rawEncoder.raw.size >= RAW_HAND_ON_BYTES)) yield handOn(splitter);
      }
      splitter.end();
      if (splitter.lines.length > 0 || (rawEncoder && rawEncoder.raw.size > 0)) yield handOn(splitter);
      filesDone++;
      reportProgress();
    } else if (message.t === 'read') {
      // Not sent in raw-line mode (threadedCopyStaging.ts).
      const key = message.key;
      startFile(key);
      const splitter = new ChunkLineSplitter(key, MAX_LINE_BYTES, undefined, true);
      readBuffer ??= Buffer.allocUnsafe(READ_BYTES);
      for (let position = 0; ; ) {
        const read = fs.readSync(message.fd, readBuffer, 0, readBuffer.length, position);
        if (read === 0) break;
        position += read;
        bytesRead = (bytesRead ?? 0) + read;
        splitter.push(readBuffer.subarray(0, read));
        // Regions point into readBuffer: handed on (and encoded) before it is read into again.
        if (splitter.lines.length > 0) yield handOn(splitter);
      }
      splitter.end();
      if (splitter.lines.length > 0) yield handOn(splitter);
      filesDone++;
      reportProgress();
    } else if (message.t === 'songs') {
      post({ t: 'credit', bytes: message.files.reduce((n, f: SongFileBytes) => n + f.content.byteLength, 0) });
      for (const file of message.files) {
        startFile(file.key);
        const content = Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength);
        for (const record of songRecords(file.key, { content, bytes: file.bytes, overCap: file.overCap })) songBatch.push(record);
        filesDone++;
        if (songBatch.length >= SONG_BATCH) {
          linesDone += songBatch.length;
          yield songBatch;
          songBatch = [];
          reportProgress();
        }
      }
    } else {
      throw new Error(`encoding thread: unexpected "${message.t}" between files`);
    }
  }
  if (songBatch.length > 0) {
    linesDone += songBatch.length;
    yield songBatch;
  }
  reportProgress();
}

async function run(): Promise<void> {
  const segments = setup.rawLines
    ? // No regions in raw-line mode: the splitter gives them to rawEncoder's region taker.
      rawLineCopySegments(setup.runId, setup.kind, lines() as AsyncIterable<RawLine[]>, setup.rawCap, setup.rejectFlushBytes, rawEncoder)
    : stagingCopySegments(setup.runId, setup.kind, lines(), setup.rawCap, setup.rejectFlushBytes, setup.flavour, setup.countFiles);
  for await (const segment of segments) {
    post({ t: 'segment', table: segment.table, columns: segment.columns });
    if (setup.spool) await spoolSegment(segment.data, setup.spool);
    else for await (const chunk of segment.data) await send(chunk);
    post({ t: 'segmentEnd' });
  }
  post({ t: 'finished' });
}

// The thread stays until the main thread stops it (it has read 'finished' or 'failed' by then).
run().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ t: 'failed', message: e.message, stack: e.stack, file: where.file, line: where.line });
});
