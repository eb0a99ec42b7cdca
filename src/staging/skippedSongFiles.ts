/**
 * Song files skipped by staging rather than by the listing. The worker fetches each song file once,
 * in staging (src/staging/rawLines.ts, `skipsUnreadable`): one that cannot be read, or whose bytes
 * are compressed, is written as one reject at SKIPPED_FILE_LINE, and the staging transaction ends by
 * moving it from the run's file list to etl_skipped_files, with the reason the listing's probe
 * would have given (sql/staging/skip_song_files_found_unreadable.sql).
 */
import type { RecordKind, StageResult } from '../etl/types';
import type { Dialect, StatementOptions, Warehouse } from '../warehouse/types';
import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { ReadProgress } from './rawLines';

/** Whether staging of `kind` reads its files whole and skips the unreadable ones itself: song files. */
export function skipsUnreadableFiles(kind: RecordKind): boolean {
  return kind === 'songs';
}

/** The statements that end the staging transaction: the files found unreadable move to etl_skipped_files. */
export function skipFoundUnreadableStatements(dialect: Dialect, runId: string, kind: RecordKind): string[] {
  return skipsUnreadableFiles(kind) ? sqlStatements('staging/skip_song_files_found_unreadable', dialect, { run_id: runId }) : [];
}

/**
 * `result` (counted with the skipped files' one reject each, and their files) without them, and with
 * them as skipped: their count and the first few, read back from etl_skipped_files.
 */
export async function withSkippedSongFiles(warehouse: Warehouse, runId: string, result: StageResult, progress: ReadProgress, options?: StatementOptions): Promise<StageResult> {
  const count = progress.filesSkipped ?? 0;
  if (count === 0) return result;
  const rows = await warehouse.query(sqlStatement('staging/skipped_song_files', warehouse.dialect, { run_id: runId, keys: progress.skippedKeys ?? [] }), options);
  return {
    ...result,
    files: result.files - count,
    skipped: {
      count,
      samples: rows.map((r) => ({ sourceKey: String(r.source_key), etag: r.etag === null ? '' : String(r.etag), size: Number(r.size ?? 0), reason: String(r.reason) })),
    },
  };
}
