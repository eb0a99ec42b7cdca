import type { Readable } from 'node:stream';

/** One object in a source: a log file or a song file. */
export interface SourceObject {
  /** Path relative to the source root, with forward slashes, e.g. `log_data/2018/11/2018-11-01-events.json`. */
  key: string;
  /** Changes whenever the content changes (S3 ETag; size+mtime for local files). */
  etag: string;
  size: number;
  /** Set when the source itself can say the object is not a loadable file: why (a named pipe, a broken link, …). */
  skip?: string;
}

/** Where the raw JSON lives. Implementations: a local directory and S3. */
export interface Source {
  /** A human-readable address, for logs and run summaries. */
  readonly description: string;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<SourceObject>;
  open(key: string): Promise<Readable>;
  /**
   * Up to the first `bytes` bytes of an object (fewer when it is shorter; none when empty), read
   * without streaming the rest. Fails as `open` does for what cannot be read.
   */
  readHead(key: string, bytes: number): Promise<Buffer>;
  /**
   * How many reads of small objects a caller keeps in flight: a file's first bytes (`readHead`,
   * when listing) or a whole song file (when staging). More where each waits on a network.
   */
  readonly smallReadConcurrency: number;
}

/**
 * A source whose objects a warehouse can load by URL itself (S3: `s3://bucket/key`, which Redshift
 * COPY reads), so the files need not pass through the worker.
 */
export interface ObjectUrls {
  url(key: string): string;
}

export function hasObjectUrls(source: Source): source is Source & ObjectUrls {
  return typeof (source as Partial<ObjectUrls>).url === 'function';
}

/** A file read whole up to a cap: `content` holds at most `cap` bytes; `bytes` is how many the file has (at least). */
export interface CappedContent {
  content: Buffer;
  bytes: number;
  overCap: boolean;
}

/**
 * A source that reads a small object in one go, cheaper than a stream per object (a local
 * directory: one open, stat, read and close, where a stream per file costs several times that).
 */
export interface WholeReads {
  readUpTo(key: string, cap: number): Promise<CappedContent>;
}

export function hasWholeReads(source: Source): source is Source & WholeReads {
  return typeof (source as Partial<WholeReads>).readUpTo === 'function';
}

/** A file's content up to a cap, or the error reading it gave (as WholeReads.readUpTo throws it). */
export type FileRead = { file: CappedContent } | { error: Error };

/**
 * A source that reads many small objects itself, several at once, and gives them back in order
 * (a local directory: on reader threads, so that reads waiting on the disk overlap).
 */
export interface AheadReads {
  readAheadUpTo(keys: Iterable<string> | AsyncIterable<string>, cap: number): AsyncGenerator<[string, FileRead]>;
}

export function hasAheadReads(source: Source): source is Source & AheadReads {
  return typeof (source as Partial<AheadReads>).readAheadUpTo === 'function';
}

/**
 * A source whose objects are files on this machine, so a warehouse in this process (DuckDB) can
 * read them itself by path instead of the worker streaming their lines.
 */
export interface LocalFiles {
  /** The absolute path of the file behind `key`. */
  filePath(key: string): string;
}

export function hasLocalFiles(source: Source): source is Source & LocalFiles {
  return typeof (source as Partial<LocalFiles>).filePath === 'function';
}
