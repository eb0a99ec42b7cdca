import { isUtf8 } from 'node:buffer';
import type { RawLine } from '../etl/records';
import type { RecordKind } from '../etl/types';
import type { Source } from '../source';
import { hasAheadReads, hasWholeReads, type FileRead } from '../source/types';
import { readLines } from '../etl/lineReader';
import type { FileKeys } from './listedKeys';
import { splitSongFile } from './songFile';
import { compressedContentReason, unreadableAtStagingReason } from '../source/unreadable';
import { SKIPPED_SAMPLE_LIMIT } from '../etl/listedFiles';

// Raw lines are never parsed in this module.
export type { RawLine };

/** Longest event log line staged; longer ones are cut while reading and rejected. Real lines are < 1 KiB. */
export const MAX_LINE_BYTES = 1024 * 1024;
/**
 * Largest song file staged; a larger one is read no further and rejected. Real ones are < 1 KiB.
 * At most `Source.smallReadConcurrency` song files are held at once (read or being read), so
 * song staging never holds more than that many times this (on S3, 48 × 4 MiB) even if every song
 * file were that large; from a local directory, a few reader threads' replies of about 1 MiB and
 * one file each (src/source/localReaders.ts).
 */
export const MAX_SONG_FILE_BYTES = 4 * 1024 * 1024;
/** Song records are handed on in batches of about this many. */
export const SONG_BATCH = 512;

export interface ReadProgress {
  filesDone: number;
  /** Song files found unreadable or compressed as they were read (SKIPPED_FILE_LINE), when staging skips them. */
  filesSkipped?: number;
  /** The first SKIPPED_SAMPLE_LIMIT of them. */
  skippedKeys?: string[];
  bytes: number;
  lines: number;
  /** The file being read and how far. */
  file?: string;
  line?: number;
}

/**
 * The line of the one raw line that stands for a song file staging skips (`skipsUnreadable`): no
 * record has line 0. It is written as a reject with the reason, and the staging transaction moves
 * it to etl_skipped_files, taking the file off the run's file list
 * (sql/staging/skip_song_files_found_unreadable.sql).
 */
export const SKIPPED_FILE_LINE = 0;

/**
 * The raw lines (event logs) or raw records (song files) of the listed files, in key order, in
 * batches, with bounded memory: an event log is never held whole, a song file at most up to
 * MAX_SONG_FILE_BYTES. `progress` is updated as it goes and `onProgress` called after each batch.
 * With `skipsUnreadable`, a song file that cannot be read or whose bytes are compressed is one raw
 * line at SKIPPED_FILE_LINE with the reason (the listing did not probe it: each song file is then
 * fetched once, here).
 */
export async function* rawLinesOf(
  kind: RecordKind,
  keys: FileKeys,
  source: Source,
  progress: ReadProgress,
  onProgress: () => void,
  options: { skipsUnreadable?: boolean } = {},
): AsyncGenerator<RawLine[]> {
  if (kind === 'songs') {
    let batch: RawLine[] = [];
    // A song file, or why staging skips it: it cannot be read, or its bytes are compressed.
    const fileOrSkip = (read: FileRead): CappedFile | { skip: string } => {
      if ('error' in read) {
        const skip = options.skipsUnreadable ? unreadableAtStagingReason(read.error) : undefined;
        if (skip === undefined) throw read.error;
        return { skip };
      }
      if (!options.skipsUnreadable) return read.file;
      const compressed = compressedContentReason(read.file.content);
      return compressed === null ? read.file : { skip: compressed };
    };
    for await (const [key, read] of readFilesAhead(source, keys, MAX_SONG_FILE_BYTES)) {
      const file = fileOrSkip(read);
      progress.file = key;
      if ('skip' in file) {
        batch.push({ sourceKey: key, line: SKIPPED_FILE_LINE, text: '', problem: file.skip });
        progress.filesSkipped = (progress.filesSkipped ?? 0) + 1;
        if ((progress.skippedKeys ??= []).length < SKIPPED_SAMPLE_LIMIT) progress.skippedKeys.push(key);
      } else {
        progress.bytes += file.bytes;
        for (const record of songRecords(key, file)) batch.push(record);
      }
      progress.filesDone++;
      if (batch.length >= SONG_BATCH) {
        progress.lines += batch.length;
        yield batch;
        batch = [];
        onProgress();
      }
    }
    if (batch.length > 0) {
      progress.lines += batch.length;
      yield batch;
    }
    onProgress();
    return;
  }
  for await (const key of keys) {
    const input = await source.open(key);
    progress.file = key;
    input.on('data', (chunk: Buffer) => (progress.bytes += chunk.length));
    for await (const batch of readLines(input, { maxLineBytes: MAX_LINE_BYTES })) {
      const out: RawLine[] = batch.map((l) => ({ sourceKey: key, line: l.line, text: l.text, problem: l.problem }));
      progress.lines += out.length;
      progress.line = batch[batch.length - 1].line;
      yield out;
      onProgress();
    }
    progress.filesDone++;
    onProgress();
  }
}

export interface CappedFile {
  content: Buffer;
  /** Bytes the file has: more than content.length when it was cut at the cap. */
  bytes: number;
  overCap: boolean;
}

/**
 * Each of `keys` read up to `cap` bytes (readCapped), in key order, with what reading it gave: by
 * the source itself where it reads ahead (a local directory, on reader threads), else with
 * `source.smallReadConcurrency` reads in flight.
 */
export function readFilesAhead(source: Source, keys: FileKeys, cap: number): AsyncIterable<[string, FileRead]> {
  if (hasAheadReads(source)) return source.readAheadUpTo(keys, cap);
  const read = (key: string): Promise<FileRead> =>
    readCapped(source, key, cap).then(
      (file) => ({ file }),
      (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
  return inOrderAhead(keys, source.smallReadConcurrency, read);
}

/** Reads a file up to `cap` bytes; past that it stops reading (the rest is never fetched whole). */
export async function readCapped(source: Source, key: string, cap: number): Promise<CappedFile> {
  if (hasWholeReads(source)) return source.readUpTo(key, cap);
  const input = await source.open(key);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > cap) {
      input.destroy();
      const kept = Buffer.concat(chunks);
      return { content: kept, bytes: size, overCap: true };
    }
    chunks.push(buffer);
  }
  return { content: Buffer.concat(chunks, size), bytes: size, overCap: false };
}

/** A song file's records (see splitSongFile), or one record saying why the file as a whole can't be read. */
export function songRecords(key: string, file: CappedFile): RawLine[] {
  const whole = (problem: string): RawLine[] => [
    { sourceKey: key, line: 1, text: file.content.subarray(0, 65_536).toString('utf8').replace(/\0/g, '\uFFFD'), problem },
  ];
  if (file.overCap) return whole(`song file is more than ${MAX_SONG_FILE_BYTES} bytes (the limit); it was not read further`);
  if (file.content.includes(0)) return whole('song file holds a NUL byte, which is not valid JSON text');
  if (!isUtf8(file.content)) return whole('song file is not valid UTF-8');
  const records: RawLine[] = [];
  for (const record of splitSongFile(file.content.toString('utf8'))) {
    records.push({ sourceKey: key, line: record.line, text: record.text, problem: null });
  }
  return records;
}

/**
 * Runs `load` up to `depth` keys ahead of the consumer and yields the results in key order: at
 * most `depth` results are held at once, loading or loaded and not yet taken, and the keys are
 * taken from `keys` only as they are loaded. Stopping early stops reading `keys`.
 */
export async function* inOrderAhead<T>(keys: FileKeys, depth: number, load: (key: string) => Promise<T>): AsyncGenerator<[string, T]> {
  const next: AsyncIterator<string> =
    Symbol.asyncIterator in keys
      ? keys[Symbol.asyncIterator]()
      : (async function* () {
          yield* keys;
        })();
  const pending: { key: string; value: Promise<T> }[] = [];
  let more = true;
  const fill = async () => {
    while (more && pending.length < depth) {
      const taken = await next.next();
      if (taken.done) {
        more = false;
        return;
      }
      const value = load(taken.value);
      value.catch(() => undefined); // awaited below, in order; don't report it as unhandled meanwhile
      pending.push({ key: taken.value, value });
    }
  };
  try {
    await fill();
    for (let head = pending.shift(); head !== undefined; head = pending.shift()) {
      const value = await head.value;
      await fill();
      yield [head.key, value];
    }
  } finally {
    await next.return?.();
  }
}
