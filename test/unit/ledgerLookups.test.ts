/**
 * The load ledger's lookups (src/ledger/loaded.ts) carry the caller's cancellation: an activity
 * cancelled while it asks the ledger stops asking, and a cancelled "is there a ledger?" is not
 * taken for "nothing is loaded yet" (which would load every date again).
 */
import { hasLedger, hasLoadedSongs, loadedDates, songFilesToLoad } from '../../src/ledger/loaded';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';

let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open(':memory:');
  await warehouse.execute(sqlStatements('schema/etl_tables', 'duckdb'));
});

afterAll(async () => {
  await warehouse.close();
});

const cancelled = () => AbortSignal.abort(new Error('activity cancelled'));
const song = { key: 'song_data/A/A/A/TRAAAAA.json', etag: 'e1', size: 300 };

test('with a live signal the lookups answer as without one', async () => {
  const live = new AbortController().signal;
  expect(await hasLedger(warehouse, live)).toBe(true);
  expect(await hasLoadedSongs(warehouse, live)).toBe(false);
  expect(await loadedDates(warehouse, ['2018-11-01'], live)).toEqual([]);
  expect(await songFilesToLoad(warehouse, [song], live)).toEqual([song]);
});

test('a cancelled lookup fails instead of answering', async () => {
  await expect(hasLedger(warehouse, cancelled())).rejects.toThrow('activity cancelled');
  await expect(loadedDates(warehouse, ['2018-11-01'], cancelled())).rejects.toThrow('activity cancelled');
  await expect(hasLoadedSongs(warehouse, cancelled())).rejects.toThrow('activity cancelled');
  await expect(songFilesToLoad(warehouse, [song], cancelled())).rejects.toThrow('activity cancelled');
});

test('a warehouse without a ledger still has none when nothing is cancelled', async () => {
  const fresh = await DuckDbWarehouse.open(':memory:');
  try {
    expect(await hasLedger(fresh)).toBe(false);
    expect(await loadedDates(fresh, ['2018-11-01'])).toEqual([]);
  } finally {
    await fresh.close();
  }
});
