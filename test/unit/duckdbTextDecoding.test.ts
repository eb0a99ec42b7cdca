import { textCandidatePages } from '../../src/activities/textRepairRows';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';

/**
 * Text read from DuckDB is the text stored: a U+FEFF (zero-width no-break space, the BOM) at the
 * start of a value, or of a piece of a long one, is kept. Its client's decoder dropped it, which
 * split one name's repair from its plays on DuckDB only (src/warehouse/duckdbTextDecoding.ts).
 */
let duckdb: DuckDbWarehouse;
beforeAll(async () => {
  duckdb = await DuckDbWarehouse.open(':memory:');
});
afterAll(() => duckdb.close());

const BOM = '\ufeff';

test('a value that starts with U+FEFF reads back with it, by query and by chunks', async () => {
  const sql = `SELECT '${BOM}Tune' AS lead, 'Tu${BOM}ne' AS inner_bom, '${BOM}${BOM}' AS two, '${BOM}' AS only`;
  const expected = { lead: `${BOM}Tune`, inner_bom: `Tu${BOM}ne`, two: `${BOM}${BOM}`, only: BOM };
  expect(await duckdb.query(sql)).toEqual([expected]);
  const chunks: unknown[] = [];
  for await (const chunk of duckdb.queryChunks(sql)) chunks.push(...chunk);
  expect(chunks).toEqual([expected]);
});

test("text repair's candidates keep U+FEFF, also where a long value's piece starts with it", async () => {
  await duckdb.execute(sqlStatements('schema/etl_tables', 'duckdb'));
  const long = `${'a'.repeat(1024)}${BOM}${'b'.repeat(3100)}`;
  const values = [`${BOM}Tune`, 'Tune', long];
  for (const raw of values) {
    await duckdb.execute([`INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key) VALUES ('bom', 'text', '${raw}', NULL, NULL)`]);
  }
  const read: string[] = [];
  // Pieces of 1,024 characters for values over 4,096 bytes: the long value's second piece starts with U+FEFF.
  for await (const page of textCandidatePages(duckdb, 'bom', { rows: 10, bytes: 1 << 20 }, 4096)) read.push(...page.map((c) => c.raw));
  expect(read.sort()).toEqual([...values].sort());
});
