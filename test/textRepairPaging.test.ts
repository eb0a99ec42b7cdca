/**
 * repairText reads the run's distinct texts back a page at a time (src/activities/textRepairRows.ts):
 * whatever the page size, every engine stores exactly one repaired row per distinct value, the same
 * rows as repairing each value on its own, and a rerun changes nothing.
 */
import { createHash } from 'node:crypto';
import { storeRepairedText, textCandidatePages } from '../src/activities/textRepairRows';
import { matchKey, repairText, repairUserAgent } from '../src/etl/textRepair';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';

const SCHEMA = ['staging_events', 'staging_songs', 'etl_tables'];
const EVENT_COLUMNS = ['run_id', 'source_key', 'source_line', 'artist', 'song', 'firstname', 'lastname', 'location', 'useragent'];

// Values that sort next to each other, need repair or not, hold quotes, a backslash, an empty
// string, a trailing space, and one text that is both a name and a title (one row per kind).
// Three longer than Redshift reads whole (read there in pieces of 16,000 characters): one that
// needs repair, one of four-byte characters ending in spaces (65,530 bytes, the pieces cut between
// two of them), one of exactly two pieces.
const TEXTS = [
  'Bj\u00c3\u0083\u00c2\u00b6rk', 'Björk', 'Beyonce\u0301', "Wavin'  Flag", 'a', 'a ', 'b', 'C:\\dir', "O'Brien", '', 'Sierra Maestra', 'Zed',
  `Bj${'\u00c3\u0083\u00c2\u00b6'.repeat(6_000)}rk`, `${'\u{1F600}'.repeat(16_382)}  `, 'b'.repeat(32_000),
];
// The last as long as Redshift stages one (65531 bytes): with its kind, more than a 64 KB result
// row; with its quotes and backslashes doubled, more than a 100 KB statement.
const AGENTS = ['"Mozilla/5.0 (X11)"', '"Mozilla/5.0 (Windows)"', 'plain agent', '"', `"Mozilla/5.0 (${"'\\".repeat(16_000)}${'x'.repeat(33_515)})"`];

function stagedEvents(runId: string): (string | number | null)[][] {
  return TEXTS.map((text, i) => [
    runId, 'log_data/2018/11/2018-11-01-events.json', i + 1,
    text, TEXTS[(i + 3) % TEXTS.length], text, i % 2 === 0 ? null : 'Lee', 'Town', AGENTS[i % AGENTS.length],
  ]);
}

const md5 = (text: string | null): string | null => (text === null ? null : createHash('md5').update(text, 'utf8').digest('hex'));

/** What the run's etl_text_repairs should hold: each distinct (kind, raw) repaired on its own, as MD5s. */
function expectedRows(runId: string): string[] {
  const distinct = new Set<string>();
  for (const row of stagedEvents(runId)) {
    for (const text of row.slice(3, 8)) if (text !== null) distinct.add(JSON.stringify(['text', text]));
    distinct.add(JSON.stringify(['user_agent', row[8]]));
  }
  return [...distinct]
    .map((entry) => {
      const [kind, raw] = JSON.parse(entry) as [string, string];
      return JSON.stringify([kind, md5(raw), md5(kind === 'user_agent' ? repairUserAgent(raw) : repairText(raw)), md5(matchKey(raw))]);
    })
    .sort();
}

/** As MD5s: a row of long values is more than one row of a Redshift Data API result may hold. */
async function storedRows(warehouse: Warehouse, runId: string): Promise<string[]> {
  const rows = await warehouse.query(`SELECT kind, MD5(raw) AS raw, MD5(repaired) AS repaired, MD5(match_key) AS match_key FROM etl_text_repairs WHERE run_id = '${runId}'`);
  return rows.map((r) => JSON.stringify([r.kind, r.raw, r.repaired, r.match_key])).sort();
}

const warehouses = threeWarehousesInFile({ label: 'textpages', schema: SCHEMA });

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (engine) => {
  test.each([1, 2, 7, 1000])('pages of %i: one repaired row per distinct value, each page at most that long, reruns change nothing', async (pageRows) => {
    const warehouse = warehouses[engine];
    const runId = `run-${pageRows}`;
    await warehouse.appendRows('staging_events', EVENT_COLUMNS, stagedEvents(runId));
    const gather = () => warehouse.execute(sqlStatements('transform/text_candidates', warehouse.dialect, { run_id: runId }));
    await gather();

    const expected = expectedRows(runId);
    const pages: number[] = [];
    for await (const page of textCandidatePages(warehouse, runId, pageRows)) pages.push(page.length);
    expect(pages.every((n) => n >= 1 && n <= pageRows)).toBe(true);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(expected.length);

    const result = await storeRepairedText(warehouse, runId, pageRows);
    expect(result.distinctValues).toBe(expected.length);
    expect(result.repairedValues).toBe(expected.map((r) => JSON.parse(r) as string[]).filter(([, raw, repaired]) => raw !== repaired).length);
    expect(result.repairedValues).toBeGreaterThanOrEqual(3);
    expect(await storedRows(warehouse, runId)).toEqual(expected);

    await gather();
    await storeRepairedText(warehouse, runId, pageRows);
    expect(await storedRows(warehouse, runId)).toEqual(expected);
  });
});
