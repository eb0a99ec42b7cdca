/**
 * Why a listed file cannot be staged, from what reading it gave: an error that says it cannot be
 * read at all, or first bytes that are compressed content. The listing's probe asks this of a
 * file's first bytes (src/activities/listing.ts); staging asks it of a song file it has read whole
 * (src/staging/rawLines.ts), so that a song file is fetched once, not probed first.
 */
import { ListedFileGone } from './listedFileGone';

// Magic bytes of compressed content, whatever the name says.
const COMPRESSED_MAGIC: [string, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];
/** How many first bytes tell compressed content: enough for the longest magic. */
export const MAGIC_BYTES = Math.max(...COMPRESSED_MAGIC.map(([, magic]) => magic.length));

/** The reason to skip a file starting with `head`, if its content is compressed; otherwise null. */
export function compressedContentReason(head: Uint8Array): string | null {
  for (const [format, magic] of COMPRESSED_MAGIC) {
    if (head.length >= magic.length && magic.every((byte, i) => head[i] === byte)) return `${format}-compressed content in a .json file: the pipeline reads plain JSON only`;
  }
  return null;
}

/** Error codes that say an object cannot be read at all (retrying will not help). */
const UNREADABLE = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTREG', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'AccessDenied', 'Forbidden', 'InvalidObjectState', 'NoSuchKey', 'NotFound']);

/** The code of an error that says an object cannot be read at all; undefined for one that may pass. */
export function unreadableCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode === 403) return 'AccessDenied';
  for (const value of [e?.code, e?.Code, e?.name]) if (typeof value === 'string' && UNREADABLE.has(value)) return value;
  return undefined;
}

/**
 * The reason to skip a song file that staging could not read (`unreadable (AccessDenied)`), or
 * undefined when the error must fail the step instead: one that may pass (the step is retried),
 * or a file gone since the listing (the run fails naming it: src/source/listedFileGone.ts).
 */
export function unreadableAtStagingReason(err: unknown): string | undefined {
  if (err instanceof ListedFileGone) return undefined;
  const code = unreadableCode(err);
  return code === undefined || code === 'ENOENT' || code === 'NoSuchKey' || code === 'NotFound' ? undefined : `unreadable (${code})`;
}
