/**
 * repairText reads the run's distinct texts back a page at a time (src/activities/textRepairRows.ts):
 * whatever the page size, every engine stores exactly one repaired row per distinct value, the same
 * rows as repairing each value on its own, and a rerun changes nothing.
 */
import { createHash } from 'node:crypto';
import { storeRepairedText, textCandidatePages, TEXT_REPAIR_PAGE, TEXT_REPAIR_PAGE_BYTES, WHOLE_TEXT_MAX_BYTES } from '../src/activities/textRepairRows';
import { matchKey, repairText, repairUserAgent } from '../src/etl/textRepair';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

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
  return expectedOf([...distinct].map((entry) => {
    const [kind, raw] = JSON.parse(entry) as [string, string];
    return { kind, raw };
  }));
}

/** The rows of these distinct candidates, each repaired on its own, as MD5s. */
function expectedOf(candidates: Array<{ kind: string; raw: string }>): string[] {
  return candidates
    .map(({ kind, raw }) => JSON.stringify([kind, md5(raw), md5(kind === 'user_agent' ? repairUserAgent(raw) : repairText(raw)), md5(matchKey(raw))]))
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
    await attachStagingPartitions(warehouse, runId);
    await warehouse.appendRows('staging_events', EVENT_COLUMNS, stagedEvents(runId));
    const gather = () => warehouse.execute(sqlStatements('transform/text_candidates', warehouse.dialect, { run_id: runId }));
    await gather();

    const expected = expectedRows(runId);
    const pages: number[] = [];
    for await (const page of textCandidatePages(warehouse, runId, { rows: pageRows, bytes: TEXT_REPAIR_PAGE_BYTES })) pages.push(page.length);
    expect(pages.every((n) => n >= 1 && n <= pageRows)).toBe(true);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(expected.length);

    const result = await storeRepairedText(warehouse, runId, { rows: pageRows, bytes: TEXT_REPAIR_PAGE_BYTES });
    expect(result.distinctValues).toBe(expected.length);
    expect(result.repairedValues).toBe(expected.map((r) => JSON.parse(r) as string[]).filter(([, raw, repaired]) => raw !== repaired).length);
    expect(result.repairedValues).toBeGreaterThanOrEqual(3);
    expect(await storedRows(warehouse, runId)).toEqual(expected);

    await gather();
    await storeRepairedText(warehouse, runId, { rows: pageRows, bytes: TEXT_REPAIR_PAGE_BYTES });
    expect(await storedRows(warehouse, runId)).toEqual(expected);
  });
});

// Long values fill a page's bytes before its rows: 24 distinct user agents of 20,001-20,010 bytes
// (read whole on Redshift too) and, sorted after them, 3 of 60,002 (read in pieces there), in pages
// of at most 100,000 bytes and one value more.
describe.each(['duckdb', 'postgres', 'redshift'])('%s', (engine) => {
  test('pages are bounded by bytes too: every value once, in order, each page within the bound and one value', async () => {
    const warehouse = warehouses[engine];
    const runId = 'run-bytes';
    const agents = [
      ...Array.from({ length: 24 }, (_, i) => `${String.fromCharCode(65 + i)}${"é'\\".repeat(5_000)}${'x'.repeat(i % 10)}`),
      ...['a', 'b', 'c'].map((c) => `Z${c}${"é'\\".repeat(15_000)}`),
    ];
    await attachStagingPartitions(warehouse, runId);
    await warehouse.appendRows('staging_events', EVENT_COLUMNS, agents.map((agent, i) => [runId, 'log_data/2018/11/2018-11-01-events.json', i + 1, null, null, null, null, null, agent]));
    await warehouse.execute(sqlStatements('transform/text_candidates', warehouse.dialect, { run_id: runId }));

    const bound = { rows: 1000, bytes: 100_000 };
    const pages: Array<{ kind: string; raw: string }[]> = [];
    for await (const page of textCandidatePages(warehouse, runId, bound)) pages.push(page);
    // In (kind, raw) order; on Redshift those read in pieces come last, in the order of their MD5s.
    const inOrder = [...agents].sort().map((raw) => ({ kind: 'user_agent', raw }));
    const seen = pages.flat();
    expect([...seen].sort((a, b) => (a.raw < b.raw ? -1 : 1))).toEqual(inOrder);
    if (engine !== 'redshift') expect(seen).toEqual(inOrder);
    const bytes = pages.map((page) => page.reduce((n, c) => n + Buffer.byteLength(c.raw), 0));
    // No page passes the bound by more than its last value; every page but the last reaches it
    // (on Redshift, the last page of values read whole is followed by those read in pieces).
    const readWhole = (page: { raw: string }[]) => page.every((c) => Buffer.byteLength(c.raw) <= WHOLE_TEXT_MAX_BYTES);
    pages.forEach((page, i) => {
      expect(bytes[i] - Buffer.byteLength(page[page.length - 1].raw)).toBeLessThan(bound.bytes);
      const lastOfItsRead = i === pages.length - 1 || (engine === 'redshift' && readWhole(page) && !readWhole(pages[i + 1]));
      if (!lastOfItsRead) expect(bytes[i]).toBeGreaterThanOrEqual(bound.bytes);
    });
    expect(pages.length).toBeGreaterThanOrEqual(6);

    const result = await storeRepairedText(warehouse, runId, bound);
    expect(result.distinctValues).toBe(agents.length);
    expect(await storedRows(warehouse, runId)).toEqual(expectedOf(agents.map((raw) => ({ kind: 'user_agent', raw }))));
  });
});

// DuckDB's result arrives in chunks of 2,048 rows, however wide: values longer than the streamed
// bound come in pieces, a row each, so no row carries one. Here a bound of 10,000 bytes against
// 20 KB and 60 KB values, in order among short ones.
test('duckdb: a streamed row carries no more than the bound, and every value is read whole, in order', async () => {
  const warehouse = warehouses.duckdb;
  const runId = 'run-streamed';
  const agents = [
    ...Array.from({ length: 6 }, (_, i) => `${String.fromCharCode(65 + 2 * i)}${"é'\\".repeat(5_000)}`),
    ...Array.from({ length: 6 }, (_, i) => `${String.fromCharCode(66 + 2 * i)} short ${i}`),
    `Z${'\u{1F600}'.repeat(15_000)}`,
  ];
  await attachStagingPartitions(warehouse, runId);
  await warehouse.appendRows('staging_events', EVENT_COLUMNS, agents.map((agent, i) => [runId, 'log_data/2018/11/2018-11-01-events.json', i + 1, null, null, null, null, null, agent]));
  await warehouse.execute(sqlStatements('transform/text_candidates', warehouse.dialect, { run_id: runId }));

  const { observed, streamed } = observedStream(warehouse);
  const seen: Array<{ kind: string; raw: string }> = [];
  for await (const page of textCandidatePages(observed, runId, TEXT_REPAIR_PAGE, 10_000)) seen.push(...page);
  expect(seen).toEqual([...agents].sort().map((raw) => ({ kind: 'user_agent', raw })));
  // 6 short values whole; 7 of 15,001 characters (20,001 and 60,001 bytes) in 7 pieces of at most
  // 2,500 characters each (10,000 bytes of four-byte characters).
  expect(streamed).toHaveLength(6 + 7 * 7);
  expect(streamed.every((piece) => Buffer.byteLength(piece) <= 10_000)).toBe(true);
});

// Long values of one length: each used to be looked up by its length and MD5, which hashed every
// value of that length for each of them (quadratic). They come in the one streamed query now.
test('duckdb: many long values of the same length are read in the one streamed query, none looked up alone', async () => {
  const warehouse = warehouses.duckdb;
  const runId = 'run-same-length';
  const agents = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(4, '0')}${'y'.repeat(5_996)}`);
  await attachStagingPartitions(warehouse, runId);
  await warehouse.appendRows('staging_events', EVENT_COLUMNS, agents.map((agent, i) => [runId, 'log_data/2018/11/2018-11-01-events.json', i + 1, null, null, null, null, null, agent]));
  await warehouse.execute(sqlStatements('transform/text_candidates', warehouse.dialect, { run_id: runId }));

  const { observed, streamed, queries } = observedStream(warehouse);
  const seen: Array<{ kind: string; raw: string }> = [];
  for await (const page of textCandidatePages(observed, runId)) seen.push(...page);
  expect(seen).toEqual(agents.map((raw) => ({ kind: 'user_agent', raw })));
  expect(queries).toEqual({ query: 0, queryChunks: 1 });
  expect(streamed).toHaveLength(300 * 6);
});

type StreamingWarehouse = Warehouse & { queryChunks: (sql: string) => AsyncGenerator<Record<string, unknown>[]> };

/** The warehouse, with the rows its streamed queries give (each row's piece) and its queries counted. */
function observedStream(warehouse: Warehouse) {
  const streamed: string[] = [];
  const queries = { query: 0, queryChunks: 0 };
  const observed = Object.create(warehouse) as StreamingWarehouse;
  const queryChunks = (warehouse as StreamingWarehouse).queryChunks.bind(warehouse);
  observed.queryChunks = async function* (sql: string) {
    queries.queryChunks++;
    for await (const chunk of queryChunks(sql)) {
      for (const row of chunk) streamed.push(String(row.piece));
      yield chunk;
    }
  };
  observed.query = (...args: Parameters<Warehouse['query']>) => {
    queries.query++;
    return warehouse.query(...args);
  };
  return { observed, streamed, queries };
}
