import { sqlStatement, sqlStatements } from '../warehouse/sql';
import type { PartLoad } from '../warehouse/copyTextStaging';
import type { Warehouse } from '../warehouse/types';
import { rawLineStatements, STAGING_TABLE } from './stagingSql';
import { RAW_LINES_SEGMENT } from './rawLineCopy';

/**
 * A warehouse whose event lines go in raw (src/staging/rawLineCopy.ts), to be parsed by its typed
 * stage in parallel, instead of parsed in the worker: DuckDB with SPARKIFY_DUCKDB_RAW_LINES=1.
 */
export interface RawEventLineStaging {
  rawEventLines: boolean;
}

export function stagesRawEventLines(warehouse: Warehouse): boolean {
  return (warehouse as Partial<RawEventLineStaging>).rawEventLines === true;
}

/**
 * The statements around a raw-line staging transaction (after the fence and the staging-delete
 * rule): the session table the checked SQL works on and the typed screen's macros, dropped after.
 */
export function rawLineAround(): { before: string[]; after: string[] } {
  const d = 'duckdb';
  return {
    before: [...sqlStatements('staging/duckdb/raw_lines', d), ...sqlStatements('staging/duckdb/typed_screen', d)],
    after: [...sqlStatements('staging/duckdb/drop_typed_screen', d), ...sqlStatements('staging/duckdb/drop_work_tables', d)],
  };
}

/**
 * How one part of raw event lines is staged, in the staging transaction: a view of the part
 * (raw_part_lines.sql), the typed stage (stage_typed_events.sql, the same statement as DuckDB's
 * own reading of the files), and only when it staged fewer rows than the part has lines, the lines
 * it left, found by file and line (unstaged_raw_lines.sql), through the checked SQL, which stages
 * or rejects each with its reason.
 */
export function rawLinePartLoads(runId: string): Record<string, PartLoad> {
  const d = 'duckdb';
  const checked = rawLineStatements(d, runId, 'events').eachChunk;
  const load: PartLoad = async (file, run) => {
    for (const sql of sqlStatements('staging/duckdb/raw_part_lines', d, { copy_file: file })) await run(sql);
    let staged = 0;
    for (const sql of sqlStatements('staging/duckdb/stage_typed_events', d, { run_id: runId })) staged += (await run(sql)).rowsChanged;
    const [part] = (await run(sqlStatement('staging/duckdb/raw_part_survey', d))).rows;
    if (Number(part.lines) === staged) return;
    const range = { first_key: String(part.first_key), last_key: String(part.last_key) };
    const left = sqlStatements('staging/duckdb/unstaged_raw_lines', d, { run_id: runId, table: STAGING_TABLE.events, ...range });
    for (const sql of [...left, ...checked]) await run(sql);
  };
  return { [RAW_LINES_SEGMENT]: load };
}
