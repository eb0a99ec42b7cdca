/**
 * repairText's worker part: the run's distinct free-text values (gathered into etl_text_repairs by
 * sql/transform/text_candidates.sql) read back a page at a time, repaired, and written back with
 * their repaired form and match key. The rows stream: the worker holds one page of values at
 * once, never all of a run's names, titles, places and user agents. A warehouse that streams a
 * result (DuckDB) is asked once and read a chunk at a time: a page of 50,000 values held in the
 * worker grew V8's heap by ~90 MiB at 8M events (173,771 values), garbage that stayed resident
 * through the publishes that followed, where the 8M run's memory peaked (docs/performance-log.md).
 */
import { repairedForms } from '../etl/textRepair';
import type { RepairResult } from '../etl/types';
import { sqlStatement } from '../warehouse/sql';
import type { Warehouse } from '../warehouse/types';
import { hasStreamingQuery } from '../warehouse/streamingQuery';
import { fencedAppendRows } from './fence';
import { heartbeat } from './heartbeat';

/**
 * Distinct values per page: ~10 MB of text in the worker at most. Each page is a scan of the run's
 * candidates and a top-N sort, so smaller pages cost more queries: 220,000 values (about the 8M
 * set's) took ~1 s in pages of 50,000 on DuckDB against ~0.5 s in one read, ~1.4-1.7 s in pages of 20,000.
 */
export const TEXT_REPAIR_PAGE_ROWS = 50_000;

/**
 * The run's text candidates in (kind, raw) order (sql/transform/text_repair_values.sql), in pages
 * of at most `pageRows`: a page per query, or, from a warehouse that streams, one query read a
 * chunk at a time (pages of a chunk's rows).
 */
export async function* textCandidatePages(
  warehouse: Warehouse,
  runId: string,
  pageRows = TEXT_REPAIR_PAGE_ROWS,
): AsyncGenerator<Array<{ kind: string; raw: string }>> {
  if (hasStreamingQuery(warehouse)) {
    const sql = sqlStatement('transform/text_repair_values', warehouse.dialect, { run_id: runId, after_kind: null, after_raw: null, page_rows: null });
    for await (const chunk of warehouse.queryChunks(sql)) {
      for (let at = 0; at < chunk.length; at += pageRows) yield chunk.slice(at, at + pageRows).map((row) => ({ kind: String(row.kind), raw: String(row.raw) }));
    }
    return;
  }
  let after: { kind: string; raw: string } | null = null;
  for (;;) {
    const rows = await warehouse.query(
      sqlStatement('transform/text_repair_values', warehouse.dialect, {
        run_id: runId,
        after_kind: after?.kind ?? null,
        after_raw: after?.raw ?? null,
        page_rows: pageRows,
      }),
    );
    const page = rows.map((row) => ({ kind: String(row.kind), raw: String(row.raw) }));
    if (page.length > 0) yield page;
    if (page.length < pageRows) return;
    after = page[page.length - 1];
  }
}

/**
 * Replaces the run's candidates with their repaired rows in one fenced transaction. The pages are
 * read while that transaction streams its rows in: every engine's reads see the candidates as
 * committed, not the transaction's own delete of them (PostgreSQL and DuckDB read on another
 * connection; Redshift's append reads all rows before its delete runs).
 */
export async function storeRepairedText(warehouse: Warehouse, runId: string, pageRows = TEXT_REPAIR_PAGE_ROWS): Promise<RepairResult> {
  let distinctValues = 0;
  let repairedValues = 0;
  async function* repairedRows() {
    for await (const page of textCandidatePages(warehouse, runId, pageRows)) {
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
