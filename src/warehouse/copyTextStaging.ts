import type { CopyFlavour } from '../staging/copyText';
import type { StatementOptions, StatementsAfter, Warehouse } from './types';

/** One `COPY table (columns) FROM STDIN` of rows already encoded in COPY text format. */
export interface CopySegment {
  table: string;
  columns: readonly string[];
  data: AsyncIterable<Buffer> | Iterable<Buffer>;
  /**
   * The segment's rows already written to part files by its producer (see SpoolingSegments; then
   * `data` is empty): each file's path once it is complete. The consumer loads and removes each
   * before it asks for the next, which lets the producer write ahead by one part.
   */
  parts?: AsyncIterable<string>;
}

/** Where, and in parts of about how many bytes, a producer that writes its own part files puts them. */
export interface PartSpool {
  dir: string;
  partBytes: number;
}

/**
 * Copy segments whose producer can write the part files itself (the encoding thread: no bytes
 * cross to the main thread): a warehouse that spools to files (DuckDB) calls spoolInto before it
 * iterates, and the segments then come with `parts`.
 */
export type SpoolingSegments = AsyncIterable<CopySegment> & { spoolInto?: (spool: PartSpool) => void };

/** Rows each table took, by table name, as the warehouse's COPY reported them. */
export type CopiedRows = Record<string, number>;

/** Runs one statement in the staging transaction: rows changed, and a query's rows (plain JS values). */
export type PartStatementRunner = (sql: string) => Promise<{ rowsChanged: number; rows: Record<string, unknown>[] }>;

/**
 * How a warehouse that spools segments to part files (DuckDB) loads a part of the segments of a
 * given table name, instead of copying it into that table: e.g. raw lines parsed in SQL
 * (src/staging/rawLineCopy.ts).
 */
export type PartLoad = (file: string, run: PartStatementRunner) => Promise<void>;

/**
 * A warehouse that stages rows encoded as COPY text (PostgreSQL) or its CSV flavour (DuckDB's
 * CSV reader): in ONE transaction, `before` runs, then each segment is copied in turn (a
 * segment's data is read to its end before the next segment is asked for, so a producer can
 * switch tables between segments), then `after`. It may return the rows each table took (then
 * the caller need not count them again).
 */
export interface CopyTextStaging {
  /** The encoding segments must be in (src/staging/copyText.ts); 'text' if absent. */
  readonly copyFlavour?: CopyFlavour;
  stageCopySegments(
    segments: AsyncIterable<CopySegment>,
    around: { before: readonly string[]; after: StatementsAfter; partLoads?: Readonly<Record<string, PartLoad>> },
    options?: StatementOptions,
  ): Promise<CopiedRows | void>;
}

export function hasCopyTextStaging(warehouse: Warehouse): warehouse is Warehouse & CopyTextStaging {
  return typeof (warehouse as Partial<CopyTextStaging>).stageCopySegments === 'function';
}
