import type { RecordKind } from '../etl/types';
import type { CopyFlavour } from './copyText';

/**
 * The messages between the worker's main thread and the thread that parses and encodes staging
 * COPY text (copyEncodeThread.ts, threadedCopyStaging.ts). The main thread reads the files and
 * moves bytes; the thread splits lines, parses, checks and encodes. Byte arrays are transferred,
 * not copied, and both directions are bounded by credit: the sender waits once a window of bytes
 * is unacknowledged.
 */

export interface EncodeThreadSetup {
  runId: string;
  kind: RecordKind;
  rawCap: number;
  rejectFlushBytes: number;
  flavour: CopyFlavour;
  /** Bytes of encoded COPY text the thread sends ahead of the main thread's acknowledgements. */
  outputWindow: number;
  /** For tests: the thread fails (as an internal error would) when it starts this file. */
  failOnKey?: string;
  /** Event lines go out raw for the warehouse to parse (rawLineCopy.ts), all but the few it can't take. */
  rawLines?: boolean;
  /** Each file's staged rows counted into etl_file_counts (copyStaging.ts stagingCopySegments). */
  countFiles?: boolean;
  /**
   * Segments are written to part files in this folder by the thread itself (DuckDB: loaded by its
   * CSV reader), announced with 'part' messages, instead of sent to the main thread as chunks.
   */
  spool?: { dir: string; partBytes: number };
}

/** A song file read whole up to its cap (rawLines.ts readCapped). */
export interface SongFileBytes {
  key: string;
  content: Uint8Array;
  bytes: number;
  overCap: boolean;
}

/** Main thread → encoding thread. */
export type ToEncoder =
  | { t: 'open'; key: string }
  /** A local event log the thread reads itself from this descriptor (no bytes cross threads); the main thread closes it. */
  | { t: 'read'; key: string; fd: number }
  | { t: 'data'; data: Uint8Array }
  | { t: 'end' }
  | { t: 'songs'; files: SongFileBytes[] }
  | { t: 'done' }
  /** Encoded bytes the main thread has passed on. */
  | { t: 'ack'; bytes: number }
  /** A part file (setup.spool) has been loaded and removed: the thread may write one more ahead. */
  | { t: 'partTaken' };

/** Encoding thread → main thread. */
export type FromEncoder =
  | { t: 'segment'; table: string; columns: readonly string[] }
  | { t: 'chunk'; data: Uint8Array }
  /** A complete part file of the current segment (setup.spool). */
  | { t: 'part'; file: string }
  | { t: 'segmentEnd' }
  | { t: 'finished' }
  /** Input bytes the thread has taken off its queue. */
  | { t: 'credit'; bytes: number }
  | { t: 'progress'; filesDone: number; lines: number; file?: string; line?: number; bytes?: number }
  | { t: 'failed'; message: string; stack?: string; file?: string; line?: number };
