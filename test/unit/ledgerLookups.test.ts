/**
 * The load ledger's lookups (src/ledger/loaded.ts) carry the caller's cancellation: an activity
 * cancelled while it asks the ledger stops asking, and a cancelled "is there a ledger?" is not
 * taken for "nothing is loaded yet" (which would load every date again).
 */
import { hasLedger, hasLoadedSongs, ledgerDates, ledgerKeyParts, loadedDates, songFilesToLoad } from '../../src/ledger/loaded';
import { RULES_VERSION } from '../../src/etl/versions';
import type { Source } from '../../src/source';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';

let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open(':memory:');
  await warehouse.execute([...sqlStatements('schema/etl_tables', 'duckdb'), ...sqlStatements('schema/etl_versions', 'duckdb')]);
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

test('song files are asked about 10,000 at a time where statements have no size limit (a night lists every one)', async () => {
  const songs = Array.from({ length: 25_000 }, (_, i) => ({ key: `song_data/A/A/A/TR${i}.json`, etag: 'e1', size: 300 }));
  expect(ledgerKeyParts(warehouse, songs).map((part) => part.length)).toEqual([10_000, 10_000, 5_000]);
  expect(ledgerKeyParts(warehouse, songs).flat()).toEqual(songs);
  expect(await songFilesToLoad(warehouse, songs)).toHaveLength(songs.length);
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

test("with the source, a date whose log changed since it was loaded is not loaded; a log gone from the source leaves the ledger's word", async () => {
  const ledgered = await DuckDbWarehouse.open(':memory:');
  const log = (date: string) => `log_data/2018/11/${date}-events.json`;
  try {
    await ledgered.execute(sqlStatements('schema/etl_tables', 'duckdb'));
    await ledgered.execute([
      "INSERT INTO etl_runs (run_id, status) VALUES ('r1', 'completed')",
      ...['01', '02', '03'].map((d) => `INSERT INTO etl_load_ledger (kind, source_key, etag, run_id) VALUES ('events', '${log(`2018-11-${d}`)}', 'v1', 'r1')`),
    ]);
    // 01 unchanged, 02 corrected since (a new ETag), 03 deleted from the source, 04 never loaded.
    const now = new Map([[log('2018-11-01'), 'v1'], [log('2018-11-02'), 'v2'], [log('2018-11-04'), 'v1']]);
    const listed: string[] = [];
    const source = {
      description: 'test source',
      async *list(prefix: string) {
        listed.push(prefix);
        for (const [key, etag] of now) if (key.startsWith(prefix)) yield { key, etag, size: 1 };
      },
    } as unknown as Source;
    const dates = ['2018-11-01', '2018-11-02', '2018-11-03', '2018-11-04'];
    expect(await loadedDates(ledgered, dates)).toEqual(['2018-11-01', '2018-11-02', '2018-11-03']);
    expect(await loadedDates(ledgered, dates, undefined, source)).toEqual(['2018-11-01', '2018-11-03']);
    expect(listed).toEqual(['log_data/2018/11/']);
  } finally {
    await ledgered.close();
  }
});

test('dates whose logs were loaded under older rules are loaded, and listed as stale with the oldest version; a warehouse without rules versions has only stale ones', async () => {
  const log = (date: string) => `log_data/2018/11/${date}-events.json`;
  for (const upgraded of [true, false]) {
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      await w.execute([...sqlStatements('schema/etl_tables', 'duckdb'), ...(upgraded ? sqlStatements('schema/etl_versions', 'duckdb') : [])]);
      await w.execute([
        "INSERT INTO etl_runs (run_id, status) VALUES ('r1', 'completed'), ('r2', 'completed'), ('r3', 'completed')",
        ...['01', '02', '03'].map((d) => `INSERT INTO etl_load_ledger (kind, source_key, etag, run_id) VALUES ('events', '${log(`2018-11-${d}`)}', 'v1', 'r${Number(d)}')`),
        // 01's run under the current rules; 02's under older ones; 03's recorded none (an older release ran it).
        ...(upgraded ? [`INSERT INTO etl_run_rules VALUES ('r1', ${RULES_VERSION}), ('r2', ${RULES_VERSION - 1})`] : []),
      ]);
      const dates = ['2018-11-01', '2018-11-02', '2018-11-03', '2018-11-04'];
      const stale = upgraded ? ['2018-11-02', '2018-11-03'] : ['2018-11-01', '2018-11-02', '2018-11-03'];
      expect(await ledgerDates(w, dates)).toEqual({
        loaded: ['2018-11-01', '2018-11-02', '2018-11-03'],
        // Without etl_run_rules every log counts as loaded under version 0.
        stale: stale.map((date) => ({ date, rulesVersion: upgraded && date === '2018-11-02' ? RULES_VERSION - 1 : 0 })),
      });
      expect(await loadedDates(w, dates)).toEqual(['2018-11-01', '2018-11-02', '2018-11-03']);
      expect(await loadedDates(w, dates, undefined, undefined, true)).toEqual(upgraded ? ['2018-11-01'] : []);
    } finally {
      await w.close();
    }
  }
});
