import { constants, type Dirent, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { mapConcurrent, mapOrdered } from './concurrent';
import type { Source, SourceObject } from './types';

/** Local file-system calls (directory reads, stats, first-bytes reads) kept in flight at once. */
const LOCAL_CONCURRENCY = 32;

/**
 * A local directory. Every entry under the listed prefix is reported: regular files (and symbolic
 * links to regular files, followed) as objects; anything else (a named pipe, a socket, a device, a
 * broken or looping link, a link to a directory) as an object with a `skip` reason. Nothing is
 * ever opened to list it, and `open` refuses what is not a regular file without blocking on it.
 */
export class LocalSource implements Source {
  constructor(private readonly root: string) {}

  get description(): string {
    return this.root;
  }

  /** Local calls are cheap; a few dozen in flight keep libuv's threads busy without piling up. */
  readonly headConcurrency = LOCAL_CONCURRENCY;

  async *list(prefix: string): AsyncIterable<SourceObject> {
    // The prefix's directory part is where listing starts; its last segment filters names.
    const slash = prefix.lastIndexOf('/');
    const startDir = path.join(this.root, prefix.slice(0, slash + 1));
    const entries = (await collectEntries(startDir, this.root)).filter((e) => e.key.startsWith(prefix));
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* mapOrdered(entries, LOCAL_CONCURRENCY, ({ abs, key }) => describeEntry(abs, key));
  }

  async open(key: string): Promise<Readable> {
    const handle = await this.openRegular(key);
    return handle.createReadStream();
  }

  async readHead(key: string, bytes: number): Promise<Buffer> {
    const handle = await this.openRegular(key);
    try {
      const head = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(head, 0, bytes, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** Opens a key that is a regular file (or a link to one); anything else fails with a code. */
  private async openRegular(key: string): Promise<fs.FileHandle> {
    const abs = path.join(this.root, ...key.split('/'));
    // O_NONBLOCK: opening a named pipe with no writer would otherwise wait forever.
    const handle = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        const code = stat.isDirectory() ? 'EISDIR' : 'ENOTREG';
        throw Object.assign(new Error(`${key} is ${kindOf(stat)}, not a regular file`), { code });
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return handle;
  }
}

/** What a non-regular file is, in words. */
function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

async function describeEntry(abs: string, key: string): Promise<SourceObject> {
  const own = await fs.lstat(abs);
  const skipped = (reason: string, stat: Stats = own): SourceObject => ({ key, etag: `${stat.size}-${Math.trunc(stat.mtimeMs)}`, size: stat.size, skip: reason });
  if (own.isFile()) return { key, etag: `${own.size}-${Math.trunc(own.mtimeMs)}`, size: own.size };
  if (!own.isSymbolicLink()) return skipped(`${kindOf(own)}, not a regular file`);
  let target: Stats;
  try {
    target = await fs.stat(abs);
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
 * Every entry under `dir` that is not a real directory (those are walked), with its key. The
 * directories of one depth are read concurrently, a bounded number at a time.
 */
async function collectEntries(dir: string, root: string): Promise<{ abs: string; key: string }[]> {
  const out: { abs: string; key: string }[] = [];
  let level = [dir];
  while (level.length > 0) {
    const dirs = level;
    const listings = await mapConcurrent(dirs, LOCAL_CONCURRENCY, readDirectory);
    level = [];
    listings.forEach((entries, i) => {
      for (const entry of entries) {
        const abs = path.join(dirs[i], entry.name);
        if (entry.isDirectory()) level.push(abs);
        else out.push({ abs, key: path.relative(root, abs).split(path.sep).join('/') });
      }
    });
  }
  return out;
}

/** A directory's entries; none when it does not exist (a prefix nothing was stored under). */
async function readDirectory(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
