import fsSync, { constants, type Dirent, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ConfigError } from '../errors';
import { ListedFileGone } from './listedFileGone';
import { kindOf, notRegular, readRegularFileUpTo, withRegularFile } from './localRead';
import { readLocalFilesAhead } from './localReaders';
import type { AheadReads, CappedContent, FileRead, LocalFiles, Source, SourceObject, WholeReads } from './types';

/*
 * Listing and probing make one small call per file (a stat, a first-bytes read): tens of
 * thousands of them. Made asynchronously, each costs a thread-pool round trip, several times the
 * CPU of the system call itself (for a file in the page cache, a few microseconds), and at 70,000
 * files that overhead was most of the listing. So these calls are made synchronously, in slices of
 * at most SLICE_MS between which the event loop runs (timers, heartbeats, other activities' I/O).
 * Opening a file to stage it stays asynchronous: that is one call per file, then a stream.
 */
const SLICE_MS = 5;
let sliceStarted = performance.now();

/** Lets the event loop run once the current slice of synchronous calls has taken SLICE_MS. */
async function endOfSlice(): Promise<void> {
  if (performance.now() - sliceStarted < SLICE_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  sliceStarted = performance.now();
}

/**
 * A local directory. Every entry under the listed prefix is reported: regular files (and symbolic
 * links to regular files, followed) as objects; anything else (a named pipe, a socket, a device, a
 * broken or looping link, a link to a directory) as an object with a `skip` reason. Nothing is
 * ever opened to list it, and `open` refuses what is not a regular file without blocking on it.
 */
export class LocalSource implements Source, LocalFiles, WholeReads, AheadReads {
  constructor(private readonly root: string) {}

  /** The absolute path of `key`'s file (LocalFiles): DuckDB reads local files itself by it. */
  filePath(key: string): string {
    return path.resolve(this.root, ...key.split('/'));
  }

  get description(): string {
    return this.root;
  }

  /** The reads are synchronous in slices (see SLICE_MS): more in flight would not run more at once. */
  readonly smallReadConcurrency = 16;

  /**
   * Walks the tree one directory at a time, each directory's entries sorted so that the walk
   * yields keys in key order (a directory sorts as its name plus '/', as its keys do). Memory is
   * one directory's entries per level, never the whole tree: a listing of 71,000 song files held
   * them all (with their paths) before the first was yielded.
   */
  async *list(prefix: string): AsyncIterable<SourceObject> {
    requireDirectory(this.root);
    // The prefix's directory part is where listing starts; its last segment filters names.
    const slash = prefix.lastIndexOf('/');
    const startKey = prefix.slice(0, slash + 1);
    yield* walkSorted(path.join(this.root, startKey), startKey, prefix);
  }

  async open(key: string): Promise<Readable> {
    return (await goneAsListedFileGone(this.filePath(key), () => this.openRegular(key))).handle.createReadStream();
  }

  /**
   * Opens a regular file with synchronous calls, at the end of a slice (see SLICE_MS), and closes
   * it after `use`. Anything but a regular file is refused, naming the key.
   */
  private async withRegularFile<T>(key: string, use: (fd: number, stat: Stats) => T): Promise<T> {
    await endOfSlice();
    return withRegularFile(this.filePath(key), key, use);
  }

  async readHead(key: string, bytes: number): Promise<Buffer> {
    return this.withRegularFile(key, (fd, stat) => {
      // Sized by the file, not by `bytes` (which may be a cap of megabytes); read on to the end
      // of the file or `bytes`, whichever comes first, in case it grew since the stat.
      let head = Buffer.allocUnsafe(Math.min(bytes, stat.size + 1));
      let length = 0;
      while (length < bytes) {
        if (length === head.length) head = Buffer.concat([head], Math.min(bytes, head.length * 2));
        const read = fsSync.readSync(fd, head, length, head.length - length, length);
        if (read === 0) break;
        length += read;
      }
      return head.subarray(0, length);
    });
  }

  /**
   * One file, with synchronous calls in slices, as readHead: an asynchronous open, stat, read and
   * close cost four thread-pool round trips, about 7× the CPU of the calls themselves
   * (docs/staging.md). Staging reads its many song files through readAheadUpTo instead.
   */
  async readUpTo(key: string, cap: number): Promise<CappedContent> {
    const file = this.filePath(key);
    return goneAsListedFileGone(file, async () => {
      await endOfSlice();
      return readRegularFileUpTo(file, key, cap);
    });
  }

  /**
   * Many files, each as readUpTo reads it, on reader threads a few batches ahead (localReaders.ts):
   * where the files are not in the page cache, the reads' waits on the disk overlap.
   */
  readAheadUpTo(keys: Iterable<string> | AsyncIterable<string>, cap: number): AsyncGenerator<[string, FileRead]> {
    return readLocalFilesAhead(mapKeys(keys, (key) => ({ key, path: this.filePath(key) })), cap);
  }

  /** Opens a regular file for reading; anything else is refused without blocking on it. */
  private async openRegular(key: string): Promise<{ handle: fs.FileHandle; size: number }> {
    const abs = this.filePath(key);
    // O_NONBLOCK: opening a named pipe with no writer would otherwise wait forever.
    const handle = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw notRegular(key, stat);
      return { handle, size: stat.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
}

/** Each key of `keys` as `as` gives it, read from `keys` as it is read. */
async function* mapKeys<T>(keys: Iterable<string> | AsyncIterable<string>, as: (key: string) => T): AsyncGenerator<T> {
  for await (const key of keys) yield as(key);
}

/** A staging read of a file that was listed and is gone since (the listing's probe skips such files instead). */
async function goneAsListedFileGone<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ListedFileGone(file, 'ENOENT');
    throw err;
  }
}

function describeEntry(abs: string, key: string): SourceObject {
  const own = fsSync.lstatSync(abs);
  const skipped = (reason: string, stat: Stats = own): SourceObject => ({ key, etag: `${stat.size}-${Math.trunc(stat.mtimeMs)}`, size: stat.size, skip: reason });
  if (own.isFile()) return { key, etag: `${own.size}-${Math.trunc(own.mtimeMs)}`, size: own.size };
  if (!own.isSymbolicLink()) return skipped(`${kindOf(own)}, not a regular file`);
  let target: Stats;
  try {
    target = fsSync.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return skipped('broken symbolic link (its target does not exist)');
    if (code === 'ELOOP') return skipped('symbolic link loop');
    return skipped(`symbolic link that cannot be followed (${code ?? 'error'})`);
  }
  if (target.isFile()) return { key, etag: `${target.size}-${Math.trunc(target.mtimeMs)}`, size: target.size };
  if (target.isDirectory()) return skipped('symbolic link to a directory (not followed: it could lead outside the source or loop)');
  return skipped(`symbolic link to ${kindOf(target)}, not a regular file`);
}

/**
 * The objects under `dir` (whose key is `dirKey`, '' or ending in '/') whose keys start with
 * `prefix`, in key order. Real directories are walked; everything else is described (describeEntry).
 */
async function* walkSorted(dir: string, dirKey: string, prefix: string): AsyncGenerator<SourceObject> {
  await endOfSlice();
  const entries = readDirectory(dir).map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() }));
  const sortKey = (e: { name: string; isDirectory: boolean }) => (e.isDirectory ? `${e.name}/` : e.name);
  entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    const key = dirKey + entry.name;
    if (entry.isDirectory) {
      const subKey = `${key}/`;
      // Only directories that can hold keys under the prefix (or lie above it) are walked.
      if (subKey.startsWith(prefix) || prefix.startsWith(subKey)) yield* walkSorted(abs, subKey, prefix);
    } else if (key.startsWith(prefix)) {
      await endOfSlice();
      yield describeEntry(abs, key);
    }
  }
}

/**
 * The source root must be a directory. Below it a missing directory is a prefix nothing was stored
 * under (no log for that month yet); a missing root is a wrong --source, which listed as empty
 * would let a run complete having loaded nothing.
 */
function requireDirectory(root: string): void {
  let stat: Stats;
  try {
    stat = fsSync.statSync(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ConfigError(`source directory ${root} does not exist`);
    throw err;
  }
  if (!stat.isDirectory()) throw new ConfigError(`source ${root} is not a directory`);
}

/** A directory's entries; none when it does not exist (a prefix nothing was stored under). */
function readDirectory(dir: string): Dirent[] {
  try {
    return fsSync.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
