import { songFilesToLoad, loadedDates } from '../src/activities/ledger';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';

let w: Warehouse;

beforeAll(async () => {
  w = await DuckDbWarehouse.open(':memory:');
  await w.execute(sqlStatements('schema/etl_tables', w.dialect));
  // Run "done" completed; run "crashed" published its files and then failed (no completed etl_runs row).
  await w.execute([
    `INSERT INTO etl_runs (run_id, status) VALUES ('done', 'completed'), ('crashed', 'failed')`,
    `INSERT INTO etl_load_ledger (kind, source_key, etag, size, records, rejects, run_id) VALUES
       ('songs', 'song_data/A/A/A/TRDONE.json', 'e1', 10, 1, 0, 'done'),
       ('songs', 'song_data/A/A/A/TRCRASHED.json', 'e2', 10, 1, 0, 'crashed'),
       ('events', 'log_data/2018/11/2018-11-01-events.json', 'e3', 10, 1, 0, 'done'),
       ('events', 'log_data/2018/11/2018-11-02-events.json', 'e4', 10, 1, 0, 'crashed')`,
  ]);
});
afterAll(() => w?.close());

describe('the load ledger counts only files of runs that completed', () => {
  test('a song file loaded by a run that never completed is staged again', async () => {
    const listed = [
      { key: 'song_data/A/A/A/TRDONE.json', etag: 'e1', size: 10 },
      { key: 'song_data/A/A/A/TRCRASHED.json', etag: 'e2', size: 10 },
      { key: 'song_data/A/A/A/TRNEW.json', etag: 'e5', size: 10 },
    ];
    expect((await songFilesToLoad(w, listed)).map((o) => o.key)).toEqual(['song_data/A/A/A/TRCRASHED.json', 'song_data/A/A/A/TRNEW.json']);
    // A changed ETag is staged again even after a completed run.
    expect(await songFilesToLoad(w, [{ key: 'song_data/A/A/A/TRDONE.json', etag: 'changed', size: 11 }])).toHaveLength(1);
  });

  test('event dates follow the same rule', async () => {
    expect(await loadedDates(w, ['2018-11-01', '2018-11-02', '2018-11-03'])).toEqual(['2018-11-01']);
  });
});
