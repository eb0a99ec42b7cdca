/** Messages between the reader pool (localReaders.ts) and a reader thread (localReadThread.ts). */

/** Files to read in order, each up to `cap` bytes, until they are read or `budget` bytes are. */
export interface ReadRequest {
  files: { key: string; path: string }[];
  cap: number;
  budget: number;
}

/** One file's read: its content's length in the reply's data, or why it could not be read. */
export type ReadOutcome = { length: number; bytes: number; overCap: boolean } | { error: { message: string; code?: string } };

/**
 * The outcomes of the request's first files, in order (fewer than it gave once the budget was
 * reached: the rest are asked for again), their contents one after another in `data`.
 */
export interface ReadReply {
  outcomes: ReadOutcome[];
  data: ArrayBuffer;
  /** How long the reads took, in milliseconds. */
  readMs: number;
}
