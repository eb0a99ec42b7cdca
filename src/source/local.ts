import { constants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { CappedContent, LocalFiles, Source, SourceObject, WholeReads } from './types';

/**
 * A local directory. Every entry under the listed prefix is reported: regular files (and symbolic
 * links to regular files, followed) as objects; anything else (a named pipe, a socket, a device, a
 * broken or looping link, a link to a directory) as an object with a `skip` reason. Nothing is
 * ever opened to list it, and `open` refuses what is not a regular file without blocking on it.
 */
export class LocalSource implements Source, LocalFiles, WholeReads {
  constructor(private readonly root: string) {}

  /** The absolute path of `key`'s file (LocalFiles): DuckDB reads local files itself by it. */
  filePath(key: string): string {
    return path.resolve(this.root, ...key.split('/'));
  }

  get description(): string {
    return this.root;
  }

  async *list(prefix: string): AsyncIterable<SourceObject> {
    // The prefix's directory part is where listing starts; its last segment filters names.
    const slash = prefix.lastIndexOf('/');
    const startDir = path.join(this.root, prefix.slice(0, slash + 1));
    const entries: { abs: string; key: string }[] = [];
    await collectEntries(startDir, entries, this.root);
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { abs, key } of entries) {
      if (!key.startsWith(prefix)) continue;
      yield await describeEntry(abs, key);
    }
  }

  async open(key: string): Promise<Readable> {
    return (await this.openRegular(key)).handle.createReadStream();
  }

  async readUpTo(key: string, cap: number): Promise<CappedContent> {
    const { handle, size } = await this.openRegular(key);
    try {
      // One byte past the cap tells an over-long file; the file may have grown since stat.
      const buffer = Buffer.allocUnsafe(Math.min(size, cap) + 1);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
        if (filled === buffer.length) break;
      }
      const overCap = filled > cap;
      return { content: buffer.subarray(0, Math.min(filled, cap)), bytes: Math.max(size, filled), overCap };
    } finally {
      await handle.close();
    }
  }

  /** Opens a regular file for reading; anything else is refused without blocking on it. */
  private async openRegular(key: string): Promise<{ handle: fs.FileHandle; size: number }> {
    const abs = this.filePath(key);
    // O_NONBLOCK: opening a named pipe with no writer would otherwise wait forever.
    const handle = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        const code = stat.isDirectory() ? 'EISDIR' : 'ENOTREG';
        throw Object.assign(new Error(`${key} is ${kindOf(stat)}, not a regular file`), { code });
      }
      return { handle, size: stat.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
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

/** Every entry under `dir` that is not a real directory (those are walked), with its key. */
async function collectEntries(dir: string, out: { abs: string; key: string }[], root: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) await collectEntries(abs, out, root);
    else out.push({ abs, key: path.relative(root, abs).split(path.sep).join('/') });
  }
}
