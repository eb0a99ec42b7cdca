import fs, { constants, type Stats } from 'node:fs';
import type { CappedContent } from './types';

/**
 * Opens `file` with synchronous calls and refuses anything but a regular file, naming `key` (the
 * file is closed then); the caller closes the descriptor it gets.
 */
export function openRegularFile(file: string, key: string): { fd: number; stat: Stats } {
  // O_NONBLOCK: opening a named pipe with no writer would otherwise wait forever.
  const fd = fs.openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw notRegular(key, stat);
    return { fd, stat };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** openRegularFile, and the file closed after `use`. */
export function withRegularFile<T>(file: string, key: string, use: (fd: number, stat: Stats) => T): T {
  const { fd, stat } = openRegularFile(file, key);
  try {
    return use(fd, stat);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One local file read whole up to `cap` bytes with synchronous calls. The worker's main thread
 * reads this way in slices (local.ts), and so do the reader threads (localReadThread.ts).
 */
export function readRegularFileUpTo(file: string, key: string, cap: number): CappedContent {
  return withRegularFile(file, key, (fd, stat) => {
    // One byte past the cap tells an over-long file; the file may have grown since stat.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, cap) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const read = fs.readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    const overCap = filled > cap;
    return { content: buffer.subarray(0, Math.min(filled, cap)), bytes: Math.max(stat.size, filled), overCap };
  });
}

/** The error for opening what is not a regular file, with a code that says it cannot be read. */
export function notRegular(key: string, stat: Stats): Error {
  const code = stat.isDirectory() ? 'EISDIR' : 'ENOTREG';
  return Object.assign(new Error(`${key} is ${kindOf(stat)}, not a regular file`), { code });
}

/** What a non-regular file is, in words. */
export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
