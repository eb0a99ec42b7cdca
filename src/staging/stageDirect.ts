import fs from 'node:fs/promises';
import type { RecordKind, StageResult } from '../etl/types';
import type { LocalFiles, Source } from '../source';
import { hasLocalFiles } from '../source';
import { sqlStatement, sqlStatements, type SqlName, type SqlParam } from '../warehouse/sql';
import { hasFileStaging, type FileBatch, type FileStaging, type StatementOptions, type Warehouse } from '../warehouse/types';
import { MAX_LINE_BYTES, MAX_SONG_FILE_BYTES, rawLinesOf, type ReadProgress } from './rawLines';
import { clearStagingStatements, rawLineStatements, STAGING_TABLE } from './stagingSql';
import { Beats } from './progressBeats';
import { MAX_RAW_KEPT, readStagedResult } from './stagedResult';
import { boundedBatches } from '../util/boundedBatches';

/** Runs one statement in the staging transaction (FileBatch.read's runner). */
type StatementRunner = Parameters<FileBatch['read']>[1];

/**
 * What DuckDB reads per statement: a batch's raw lines (and its work tables) are what it holds at
 * once. Event logs are tens of MB each; song files are tiny and many.
 */
export const EVENT_BATCH = { files: 4, bytes: 64 * 1024 * 1024 };
export const SONG_BATCH = { files: 2_000, bytes: 64 * 1024 * 1024 };

/**
 * DuckDB reads a file whole (and splits it whole): when an event log is larger than this, the
 * kind is staged by the worker's parse instead (stageDirect returns undefined), which streams, so
 * what staging holds at once stays bounded whatever one file's size. Daily logs are far smaller
 * (the 8M-event bench set's are 117-120 MiB). A bounded pool lowers it (directFileLimit).
 */
export const MAX_DIRECT_FILE_BYTES = 256 * 1024 * 1024;

const UNITS: Record<string, number> = { bytes: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/** DuckDB's memory_limit as it prints it ('128.0 MiB', '18.7 GiB'); undefined when unbounded or unreadable. */
export function poolBytes(setting: string): number | undefined {
  const m = /^\s*([\d.]+)\s*([a-z]+)\s*$/i.exec(setting);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  return m && unit ? Number(m[1]) * unit : undefined;
}

/**
 * The largest event log DuckDB reads itself under a pool of `pool` bytes: read_blob takes a file in
 * one allocation rounded up to a power of two, which must fit the pool beside what else it holds.
 * Measured under 128 MiB: a 57 MiB log staged, a 67 MiB one asked for 128 MiB and failed; under
 * 256 MiB a 117 MiB log staged. So at most half the pool.
 */
export function directFileLimit(pool: number | undefined): number {
  return pool === undefined ? MAX_DIRECT_FILE_BYTES : Math.min(MAX_DIRECT_FILE_BYTES, Math.floor(pool / 2));
}

/** Characters read_blob would take as a glob pattern: such a file's lines come from the worker. */
const GLOB = /[*?[\]{}]/;

export interface DirectStagingOptions {
  runId: string;
  kind: RecordKind;
  keys: readonly string[];
  source: Source & LocalFiles;
  warehouse: Warehouse & FileStaging;
  statementOptions?: StatementOptions;
  heartbeat: (details: unknown) => void;
  fence?: readonly string[];
}

/** Whether DuckDB can read this source's files itself (and is set to). */
export function canStageDirect(warehouse: Warehouse, source: Source): warehouse is Warehouse & FileStaging {
  return hasFileStaging(warehouse) && warehouse.readsLocalFiles && hasLocalFiles(source);
}

/** The listed keys in batches of at most `limit` files and bytes (a bigger file is a batch of its own). */
export function batchesOf(keys: readonly string[], sizes: ReadonlyMap<string, number> | undefined, limit: { files: number; bytes: number }): string[][] {
  return boundedBatches(keys, { count: limit.files, bytes: limit.bytes }, (key) => sizes?.get(key) ?? 0);
}

/**
 * A kind's typed stage: one typed parse per line, staged straight into its table when a screen
 * proves the checked SQL would stage the same values (sql/staging/duckdb/stage_typed_<kind>.sql,
 * its macros in typed_screen.sql). A kind without one stages every line through the checked SQL.
 */
export const TYPED_STAGE: Partial<Record<RecordKind, SqlName>> = {
  events: 'staging/duckdb/stage_typed_events',
};

/** The smallest and largest key in UTF-8 byte order, DuckDB's order for VARCHAR. */
export function keyRange(keys: readonly string[]): { first_key: string; last_key: string } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return { first_key: sorted[0], last_key: sorted[sorted.length - 1] };
}

/**
 * One batch of files DuckDB reads itself, over a view of their lines (read_<kind>.sql), with
 * nothing but the left-over lines held in a session table (DuckDB keeps those until commit).
 * With a typed stage: it stages the lines it proves; only when it staged fewer rows than the
 * batch has lines (raw_part_survey.sql counts them), the rest (found by file and line: the
 * batch's lines not staged) go into etl_raw_lines, where the raw-line path's checked SQL stages or
 * rejects them (`rawLines`, the same statements the worker's lines take). Without: the checked SQL
 * stages the checked records, then the lines that did not stage are parsed again for their reasons.
 */
function directRead(kind: RecordKind, runId: string, fileParams: Record<string, SqlParam> & { keys: string[] }, rawLines: { eachChunk: readonly string[] }): (run: StatementRunner) => Promise<void> {
  const d = 'duckdb';
  const read = sqlStatements(`staging/duckdb/read_${kind}`, d, fileParams);
  const typed = TYPED_STAGE[kind];
  if (typed) {
    return async (run) => {
      for (const sql of read) await run(sql);
      let staged = 0;
      for (const sql of sqlStatements(typed, d, { run_id: runId })) staged += (await run(sql)).rowsChanged;
      // Every line staged (the bench's logs, nearly every real one): no second read and anti-join.
      const [batch] = (await run(sqlStatement('staging/duckdb/raw_part_survey', d))).rows;
      if (Number(batch.lines) === staged) return;
      const left = sqlStatements('staging/duckdb/unstaged_raw_lines', d, { run_id: runId, table: STAGING_TABLE[kind], ...keyRange(fileParams.keys) });
      for (const sql of [...left, ...rawLines.eachChunk]) await run(sql);
    };
  }
  const params = { run_id: runId, raw_cap: MAX_RAW_KEPT, checked: 'etl_stage_checks' };
  const inserts = sqlStatements(`staging/duckdb/insert_${kind}`, d, params);
  if (inserts.length !== 2) throw new Error(`sql/staging/duckdb/insert_${kind}.sql should hold 2 statements (stage, then reject), holds ${inserts.length}`);
  const [stage, reject] = inserts;
  const statements = [
    ...read,
    ...sqlStatements(`staging/duckdb/extract_${kind}`, d, { lines: 'etl_direct_lines' }),
    ...sqlStatements(`staging/duckdb/check_${kind}`, d),
    stage,
    ...sqlStatements('staging/duckdb/unstaged_lines', d, { run_id: runId, table: STAGING_TABLE[kind], keys: fileParams.keys }),
    ...sqlStatements(`staging/duckdb/extract_${kind}`, d, { lines: 'etl_direct_unstaged' }),
    ...sqlStatements(`staging/duckdb/check_${kind}`, d),
    reject,
  ];
  return async (run) => {
    for (const sql of statements) await run(sql);
  };
}

async function fileSizes(source: LocalFiles, keys: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const key of keys) sizes.set(key, (await fs.stat(source.filePath(key))).size);
  return sizes;
}

/**
 * Stages a local source's files with DuckDB reading them itself: batch by batch, read_blob and a
 * split in SQL give the lines (sql/staging/duckdb/read_*.sql), and the same SQL as the raw-line
 * path parses, checks, stages and rejects (extract_*, check_*, insert_*), all in one transaction that first
 * replaces what this run or these files staged before. A file DuckDB can't take as it is (not
 * UTF-8, a NUL byte, a song file that isn't one plain object) gets its lines from the worker's
 * reader instead, so its rejects carry the same reasons. Returns undefined, staging nothing, when an
 * event log is larger than directFileLimit: the caller stages the kind the worker's way.
 */
export async function stageDirect(options: DirectStagingOptions): Promise<StageResult | undefined> {
  const { runId, kind, keys, source, warehouse, heartbeat } = options;
  const d = warehouse.dialect;
  const rawLines = rawLineStatements(d, runId, kind);
  const fallback: ReadProgress = { filesDone: 0, bytes: 0, lines: 0 };
  let filesDone = 0;
  let bytesRead = 0;
  let filesToWorker = 0;
  const details = () => ({ kind, files: keys.length, filesDone, direct: true });

  // Event logs are few and large: batches are cut by their sizes too.
  const sizes = kind === 'events' ? await fileSizes(source, keys) : undefined;
  if (sizes) {
    const [pool] = await warehouse.query(sqlStatement('staging/duckdb/memory_limit', d), options.statementOptions);
    const limit = directFileLimit(poolBytes(String(pool?.v ?? '')));
    if ([...sizes.values()].some((size) => size > limit)) return undefined;
  }
  const batches: FileBatch[] = batchesOf(keys, sizes, kind === 'events' ? EVENT_BATCH : SONG_BATCH).map((batch) => {
    const byWorker = (k: string) => GLOB.test(source.filePath(k));
    const readable = batch.filter((k) => !byWorker(k));
    const paths = (ks: readonly string[]) => ks.map((k) => source.filePath(k));
    const fileParams = (ks: readonly string[]) => ({ paths: paths(ks), keys: [...ks], max_line_bytes: MAX_LINE_BYTES, max_song_bytes: MAX_SONG_FILE_BYTES, raw_cap: MAX_RAW_KEPT });
    return {
      survey: readable.length > 0 ? sqlStatement(`staging/duckdb/survey_${kind}`, d, fileParams(readable)) : undefined,
      toWorker: batch.filter(byWorker),
      read: (ks, run) => directRead(kind, runId, fileParams(ks), rawLines)(run),
    };
  });

  const beats = new Beats(heartbeat, details);
  beats.beat();
  await beats.keptAlive(() =>
    warehouse.stageFiles(
      {
        table: 'etl_raw_lines',
        before: [
          ...(options.fence ?? []),
          ...clearStagingStatements(d, runId, kind),
          ...sqlStatements(`staging/${d}/raw_lines`, d),
          ...(TYPED_STAGE[kind] ? sqlStatements('staging/duckdb/typed_screen', d) : []),
        ],
        batches,
        async *workerRows(ks) {
          for await (const lines of rawLinesOf(kind, ks, source, fallback, () => undefined)) {
            yield lines.map((l) => [l.sourceKey, l.line, l.text, l.problem]);
          }
        },
        eachWorkerBatch: rawLines.eachChunk,
        after: [...rawLines.after, ...(TYPED_STAGE[kind] ? sqlStatements('staging/duckdb/drop_typed_screen', d) : [])],
        onBatch(done) {
          filesDone += done.files;
          bytesRead += done.bytes;
          filesToWorker += done.toWorker.length;
          beats.beatIfDue();
        },
      },
      options.statementOptions,
    ),
  );
  beats.beat({ filesToWorker });

  return readStagedResult(warehouse, { runId, kind, files: keys.length, bytes: bytesRead + fallback.bytes }, options.statementOptions);
}
