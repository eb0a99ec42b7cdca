import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { sqlStatements } from '../src/warehouse/sql';
import type { StatementOptions, Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { publishedBeforeSongplays } from './support/publishedBeforeSongplays';
import { SAMPLE_DIR } from './harness/temporal';

/**
 * PostgreSQL: a songplays publish into an empty songplays (a first load) drops the table's primary
 * key first, writes its plays unsorted, and builds the key again before its commit
 * (engineTraits.ts songplaysKeyAfterFirstLoad); one into a songplays that holds rows keeps the key
 * and writes the plays in key order. The key is the same afterwards, and so are the rows.
 */
let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

/** The statement lists `warehouse.execute` is given, in order (the real execute runs them). */
function recordExecutes(warehouse: Warehouse): string[][] {
  const lists: string[][] = [];
  const execute = warehouse.execute.bind(warehouse);
  warehouse.execute = (statements: string | readonly string[], options?: StatementOptions) => {
    lists.push(typeof statements === 'string' ? [statements] : [...statements]);
    return execute(statements, options);
  };
  return lists;
}

const KEY = "SELECT indexdef, (SELECT contype FROM pg_constraint WHERE conname = 'songplays_pkey') AS contype FROM pg_indexes WHERE tablename = 'songplays' AND indexname = 'songplays_pkey'";
const ROWS = 'SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent FROM songplays ORDER BY songplay_id';

test('a first load builds the key after its rows; a load into a songplays with rows keeps it; the same rows and key', async () => {
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: await createTestDatabase(pg.url, 'first_load'), defaultSource: SAMPLE_DIR });
  try {
    const activities = createActivities({ resources, log: silentLogger });
    const warehouse = await resources.warehouse('');
    const first = { runId: 'run-first-load', source: '', warehouse: '' };
    await publishedBeforeSongplays(activities, first);
    const keyBefore = await warehouse.query(KEY);
    expect(keyBefore).toEqual([{ indexdef: 'CREATE UNIQUE INDEX songplays_pkey ON public.songplays USING btree (songplay_id)', contype: 'p' }]);

    const executed = recordExecutes(warehouse);
    await activities.loadSongplays({ ...first, durationTolerance: 2 });
    const publish = executed.find((list) => list.some((s) => /INSERT INTO songplays \(/.test(s)))!;
    const drop = sqlStatements('postgres/songplays_key_drop', 'postgres');
    const build = sqlStatements('postgres/songplays_key_build', 'postgres');
    const at = (statement: string) => publish.indexOf(statement);
    const created = publish.findIndex((s) => /publish_songplays AS/.test(s));
    const inserted = publish.findIndex((s) => /INSERT INTO songplays \(/.test(s));
    // Dropped before the pass over every play, built after the insert, in the one transaction.
    expect(at(drop[0])).toBeGreaterThan(-1);
    expect(at(drop[0])).toBeLessThan(created);
    expect(at(build[build.length - 1])).toBeGreaterThan(inserted);
    // The plays written as they come: the sort key folds to a constant.
    expect(publish[created]).toMatch(/ORDER BY CASE WHEN TRUE THEN NULL ELSE songplay_id END/);
    expect(await warehouse.query(KEY)).toEqual(keyBefore);
    const loaded = await warehouse.query(ROWS);
    expect(loaded.length).toBeGreaterThan(300);

    // Again, now that songplays holds rows: the key stays, the plays are written in key order.
    executed.length = 0;
    await activities.loadSongplays({ ...first, durationTolerance: 2 });
    const again = executed.find((list) => list.some((s) => /INSERT INTO songplays \(/.test(s)))!;
    expect(again.some((s) => s === drop[0] || s === build[build.length - 1])).toBe(false);
    expect(again.find((s) => /publish_songplays AS/.test(s))).toMatch(/ORDER BY CASE WHEN FALSE THEN NULL ELSE songplay_id END/);
    expect(await warehouse.query(KEY)).toEqual(keyBefore);
    expect(await warehouse.query(ROWS)).toEqual(loaded);
  } finally {
    await resources.close();
  }
}, 180_000);
