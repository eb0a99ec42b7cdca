/**
 * repairText's worker part: the run's distinct free-text values (gathered into etl_text_repairs by
 * sql/transform/text_candidates.sql) read back a page at a time, repaired, and written back with
 * their repaired form and match key. The rows stream: the worker holds one page of values at
 * once, never all of a run's names, titles, places and user agents, and a page is bounded in bytes
 * as well as in values (a value may be as long as a line, 1 MiB). DuckDB is asked once and its
 * result read a chunk at a time, its long values in pieces: a page of
 * 50,000 values held in the worker grew V8's heap by ~90 MiB at 8M events (173,771 values),
 * garbage that stayed resident through the publishes that followed, where the 8M run's memory
 * peaked (docs/performance-log.md).
 */
import { createHash } from 'node:crypto';
import { repairedForms } from '../etl/textRepair';
import type { RepairResult } from '../etl/types';
import { engineTraits } from '../warehouse/engineTraits';
import { sqlStatement, type SqlName } from '../warehouse/sql';
import { hasResultRowLimit, type Warehouse } from '../warehouse/types';
import { fencedAppendRows } from './fence';
import { activitySignal, heartbeat } from './heartbeat';

/**
 * Distinct values per page: ~10 MB of realistic text (TEXT_REPAIR_PAGE_BYTES bounds the rest). Each
 * page is a scan and a sort of the run's candidates after the last page's, so smaller pages cost
 * more queries: 220,000 values (about the 8M set's) took ~1 s in pages of 50,000 on DuckDB against
 * ~0.5 s in one read, ~1.4-1.7 s in pages of 20,000.
 */
export const TEXT_REPAIR_PAGE_ROWS = 50_000;

/**
 * Bytes of values per page, at most (and one value more: the one that reaches it). Realistic
 * values (names and user agents of 10-200 bytes) fill a page's rows first; long ones fill this:
 * 50,000 values of 1 MiB each would otherwise be 50 GB in the worker, and on Redshift a result
 * past the Data API's 500 MB.
 */
export const TEXT_REPAIR_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * Where a result row is limited (Redshift: 64 KB), the values longer than this are read in pieces.
 * A page's last value also goes into the next page's SQL as a literal, where Redshift doubles its
 * quotes and backslashes: at most 48 KB of the 100 KB a Data API statement may hold.
 */
export const WHOLE_TEXT_MAX_BYTES = 24_000;

/**
 * Characters per piece of a long value, for a result row of at most `maxResultRowBytes`: at most 4
 * bytes each, less 1,536 bytes for whatever the warehouse counts in a row besides the value
 * (Redshift: 16,000 characters, at most 64,000 bytes).
 */
export function textPieceChars(maxResultRowBytes: number): number {
  return Math.floor((maxResultRowBytes - 1536) / 4);
}

/**
 * Where a result streams in chunks of a fixed number of rows (DuckDB: 2,048), the values longer
 * than this come in pieces of at most this many bytes: a chunk of 2,048 values of a line's length
 * (1 MiB) would be 2 GiB in the worker. At this bound a chunk holds at most 8 MiB of values;
 * realistic ones (names, titles, user agents) are far shorter and come whole.
 */
export const STREAMED_TEXT_MAX_BYTES = 4096;

type Candidate = { kind: string; raw: string };

/** A page's bound: at most `rows` values, and none past the one that brings it to `bytes` bytes. */
export interface PageBound {
  rows: number;
  bytes: number;
}

export const TEXT_REPAIR_PAGE: PageBound = { rows: TEXT_REPAIR_PAGE_ROWS, bytes: TEXT_REPAIR_PAGE_BYTES };

/**
 * The run's text candidates in (kind, raw) order (sql/transform/text_repair_values.sql), in pages
 * within `bound`: a page per query, or, from DuckDB, one query read a chunk at a time (its values
 * longer than `streamedMaxBytes` in pieces). Where a result row is limited,
 * the values up to WHOLE_TEXT_MAX_BYTES come first, in that order, then the longer ones, read in
 * pieces.
 */
export async function* textCandidatePages(
  warehouse: Warehouse,
  runId: string,
  bound: PageBound = TEXT_REPAIR_PAGE,
  streamedMaxBytes = STREAMED_TEXT_MAX_BYTES,
): AsyncGenerator<Candidate[]> {
  // DuckDB's streamed query (its own SQL); PostgreSQL, which streams too, reads pages by key.
  const stream = engineTraits(warehouse.dialect).textCandidateStream;
  if (stream !== null) {
    yield* streamedPages(warehouse, stream, runId, bound, streamedMaxBytes);
    return;
  }
  // Where a result row is limited, the same pages hold only the values read whole.
  const limited = hasResultRowLimit(warehouse);
  yield* keyedPages(warehouse, bound, (after) =>
    sqlStatement('transform/text_repair_values', warehouse.dialect, {
      run_id: runId,
      max_raw_bytes: limited ? WHOLE_TEXT_MAX_BYTES : null,
      after_kind: after?.kind ?? null,
      after_raw: after?.raw ?? null,
      page_rows: bound.rows,
      page_bytes: bound.bytes,
    }),
  );
  if (limited) yield* longCandidatePages(warehouse, runId, bound, textPieceChars(warehouse.maxResultRowBytes));
}

/**
 * From DuckDB: one query, read a chunk at a time, each chunk cut into pages. A
 * value longer than `streamedMaxBytes` comes as consecutive pieces (sql/transform/duckdb/
 * text_repair_values.sql), joined here, so a chunk holds at most 2,048 × `streamedMaxBytes` bytes
 * of values and every value is read in the one pass.
 */
async function* streamedPages(warehouse: Warehouse, stream: SqlName, runId: string, bound: PageBound, streamedMaxBytes: number): AsyncGenerator<Candidate[]> {
  const sql = sqlStatement(stream, warehouse.dialect, {
    run_id: runId,
    max_raw_bytes: streamedMaxBytes,
    piece_chars: Math.floor(streamedMaxBytes / 4),
  });
  const cutter = new PageCutter(bound);
  const joined = new PieceJoiner(runId);
  for await (const chunk of warehouse.queryChunks(sql, { signal: activitySignal() })) {
    for (const row of chunk) {
      const candidate = joined.add(row);
      const page = candidate && cutter.add(candidate);
      if (page) yield page;
    }
    // A page ends with its chunk: the worker holds a chunk's values, not a page of 50,000.
    const last = cutter.rest();
    if (last) yield last;
  }
  joined.end();
}

/** Joins the rows of the streamed query, a value's pieces in order, into whole values. */
class PieceJoiner {
  private pieces: string[] = [];
  private value: { no: number; kind: string; count: number } | null = null;

  constructor(private readonly runId: string) {}

  /** Takes the next row; returns the value it completes, if it does. */
  add(row: Record<string, unknown>): Candidate | undefined {
    const no = Number(row.value_no);
    const piece = Number(row.piece_no);
    if (piece === 0) {
      this.end();
      this.value = { no, kind: String(row.kind), count: Number(row.piece_count) };
    } else if (this.value?.no !== no || piece !== this.pieces.length) {
      throw new Error(`text candidates of run ${this.runId}: piece ${piece} of value ${no} came out of order`);
    }
    this.pieces.push(String(row.piece));
    const value = this.value!;
    if (this.pieces.length < value.count) return undefined;
    const raw = this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
    this.pieces = [];
    this.value = null;
    return { kind: value.kind, raw };
  }

  /** Throws if a value is still missing pieces (the stream ended, or another value began). */
  end(): void {
    if (this.value) {
      throw new Error(`text candidates of run ${this.runId}: value ${this.value.no} ended after ${this.pieces.length} of its ${this.value.count} pieces`);
    }
  }
}

/** Cuts candidates, given one at a time, into pages within a bound. */
class PageCutter {
  private page: Candidate[] = [];
  private bytes = 0;

  constructor(private readonly bound: PageBound) {}

  /** Adds a candidate; returns the page it completes, if it does. */
  add(candidate: Candidate): Candidate[] | undefined {
    this.page.push(candidate);
    this.bytes += Buffer.byteLength(candidate.raw, 'utf8');
    return this.page.length === this.bound.rows || this.bytes >= this.bound.bytes ? this.rest() : undefined;
  }

  /** The candidates added since the last page, as a page (undefined if none). */
  rest(): Candidate[] | undefined {
    const page = this.page;
    this.page = [];
    this.bytes = 0;
    return page.length > 0 ? page : undefined;
  }
}

/**
 * Pages of (kind, raw) rows, each query asked for the rows after the previous page's last. A page
 * with fewer rows than the bound, whose bytes (as the warehouse counts them: bytes_through) stay
 * under it too, is the last: a next value would have been in it.
 */
async function* keyedPages(warehouse: Warehouse, bound: PageBound, pageAfter: (after: Candidate | null) => string): AsyncGenerator<Candidate[]> {
  let after: Candidate | null = null;
  for (;;) {
    const rows = await warehouse.query(pageAfter(after), { signal: activitySignal() });
    const page: Candidate[] = rows.map((row) => ({ kind: String(row.kind), raw: String(row.raw) }));
    if (page.length > 0) yield page;
    if (page.length < bound.rows && (page.length === 0 || Number(rows[rows.length - 1].bytes_through) < bound.bytes)) return;
    after = page[page.length - 1];
  }
}

/**
 * The candidates longer than WHOLE_TEXT_MAX_BYTES, each put together from pieces of `pieceChars`
 * characters (sql/transform/redshift/text_repair_value_piece.sql) and checked
 * against the MD5 that named it. Such values are rare (Redshift stages at most 65535 bytes of one),
 * and their pages are within `bound` as the others' are.
 */
async function* longCandidatePages(warehouse: Warehouse, runId: string, bound: PageBound, pieceChars: number): AsyncGenerator<Candidate[]> {
  let after: { kind: string; digest: string } | null = null;
  for (;;) {
    const named = await warehouse.query(
      sqlStatement('transform/redshift/text_repair_long_values', warehouse.dialect, {
        run_id: runId,
        max_raw_bytes: WHOLE_TEXT_MAX_BYTES,
        after_kind: after?.kind ?? null,
        after_digest: after?.digest ?? null,
        page_rows: bound.rows,
      }),
      { signal: activitySignal() },
    );
    // The names are small; the values they name are put together one at a time, and a page of
    // them goes once it reaches the bound.
    const cutter = new PageCutter(bound);
    for (const row of named) {
      const kind = String(row.kind);
      const digest = String(row.digest);
      const page = cutter.add({ kind, raw: await readInPieces(warehouse, { runId, kind, digest, chars: Number(row.chars) }, pieceChars) });
      after = { kind, digest };
      if (page) yield page;
    }
    const last = cutter.rest();
    if (last) yield last;
    if (named.length < bound.rows) return;
  }
}

type LongValue = { runId: string; kind: string; digest: string; chars: number };

async function readInPieces(warehouse: Warehouse, { runId, kind, digest, chars }: LongValue, pieceChars: number): Promise<string> {
  const pieces: string[] = [];
  for (let from = 1; from <= chars; from += pieceChars) {
    const rows = await warehouse.query(
      sqlStatement('transform/redshift/text_repair_value_piece', warehouse.dialect, { run_id: runId, kind, digest, from_char: from, piece_chars: pieceChars }),
      { signal: activitySignal() },
    );
    if (rows.length !== 1) throw new Error(`text candidate ${kind} with MD5 ${digest} of run ${runId}: ${rows.length} rows for its piece from character ${from}, expected 1`);
    pieces.push(String(rows[0].piece));
  }
  const raw = pieces.join('');
  const got = createHash('md5').update(raw, 'utf8').digest('hex');
  if (got !== digest) throw new Error(`text candidate ${kind} with MD5 ${digest} of run ${runId} read in pieces has MD5 ${got} (${[...raw].length} characters, expected ${chars})`);
  return raw;
}

/**
 * Replaces the run's candidates with their repaired rows in one fenced transaction. The pages are
 * read while that transaction streams its rows in: every engine's reads see the candidates as
 * committed, not the transaction's own delete of them (PostgreSQL and DuckDB read on another
 * connection; Redshift's append reads all rows before its delete runs).
 */
export async function storeRepairedText(warehouse: Warehouse, runId: string, bound: PageBound = TEXT_REPAIR_PAGE): Promise<RepairResult> {
  let distinctValues = 0;
  let repairedValues = 0;
  async function* repairedRows() {
    for await (const page of textCandidatePages(warehouse, runId, bound)) {
      for (const { kind, raw } of page) {
        const { repaired, matchKey } = repairedForms(kind, raw);
        distinctValues++;
        if (repaired !== raw) repairedValues++;
        yield [runId, kind, raw, repaired, matchKey];
      }
      heartbeat({ repairedText: distinctValues });
    }
  }
  await fencedAppendRows(warehouse, 'etl_text_repairs', ['run_id', 'kind', 'raw', 'repaired', 'match_key'], repairedRows(), {
    deleteFirst: sqlStatement('etl/clear_text_repairs', warehouse.dialect, { run_id: runId }),
  });
  return { distinctValues, repairedValues };
}
