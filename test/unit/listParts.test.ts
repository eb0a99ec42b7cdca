/**
 * Lists of values in parts whose statements fit the warehouse (src/warehouse/listParts.ts): on
 * Redshift each rendered statement is within its size limit however often it names the list, and
 * fills it; elsewhere only the count bounds a part.
 */
import { listPartStatements, listParts } from '../../src/warehouse/listParts';
import { sqlStatement } from '../../src/warehouse/sql';
import type { Warehouse } from '../../src/warehouse/types';

const LIMIT = 4_000;
// Only what listParts reads of a warehouse: its dialect and its statement size limit.
const sizeLimited = { dialect: 'redshift', maxStatementBytes: LIMIT } as unknown as Warehouse;
const unlimited = { dialect: 'postgres' } as unknown as Warehouse;

const runIds = Array.from({ length: 500 }, (_, i) => `0c9d6f1e-5a4b-4c3d-8e2f-${String(i).padStart(12, '0')}`);
const bytes = (statement: string) => Buffer.byteLength(statement);

test.each([
  ['etl/unknown_runs', {}],
  ['etl/record_unknown_runs', { found_at: '2018-11-30 14:00:00', found_by: 'a-run' }],
] as const)('%s: every part of run ids renders within the limit, and one more id would not fit', (name, params) => {
  const parts = listParts(sizeLimited, name, runIds, { param: 'run_ids', params, count: 10_000 });
  expect(parts.flat()).toEqual(runIds);
  expect(parts.length).toBeGreaterThan(1);
  for (const [i, part] of parts.entries()) {
    expect(bytes(sqlStatement(name, 'redshift', { ...params, run_ids: part }))).toBeLessThanOrEqual(LIMIT);
    if (i < parts.length - 1) expect(bytes(sqlStatement(name, 'redshift', { ...params, run_ids: [...part, parts[i + 1][0]] }))).toBeGreaterThan(LIMIT);
  }
});

test('a statement that names the list three times takes fewer values a part than one that names it twice', () => {
  const twice = listParts(sizeLimited, 'etl/unknown_runs', runIds, { param: 'run_ids', count: 10_000 });
  const thrice = listParts(sizeLimited, 'etl/record_unknown_runs', runIds, { param: 'run_ids', params: { found_at: '2018-11-30 14:00:00', found_by: 'a-run' }, count: 10_000 });
  expect(thrice[0].length).toBeLessThan(twice[0].length);
});

test('items stand for the values given by `value`; the count bounds a part too', () => {
  const files = runIds.map((id) => ({ key: `song_data/A/B/C/${id}.json` }));
  const parts = listParts(sizeLimited, 'ledger/loaded_songs', files, { param: 'keys', count: 7, value: (f) => f.key });
  expect(parts.flat()).toEqual(files);
  expect(Math.max(...parts.map((p) => p.length))).toBe(7);
});

test('without a size limit only the count bounds a part; no values, no statements', () => {
  expect(listParts(unlimited, 'etl/unknown_runs', runIds, { param: 'run_ids', count: 200 }).map((p) => p.length)).toEqual([200, 200, 100]);
  const statements = listPartStatements(unlimited, 'etl/unknown_runs', runIds, { param: 'run_ids', count: 10_000 });
  expect(statements).toEqual([sqlStatement('etl/unknown_runs', 'postgres', { run_ids: runIds })]);
  expect(listPartStatements(sizeLimited, 'etl/unknown_runs', [], { param: 'run_ids', count: 10_000 })).toEqual([]);
});
