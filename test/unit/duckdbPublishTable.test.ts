import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';

/**
 * The songplays publish keeps every play of the run in publish_songplays. On DuckDB that is a
 * table of the database (compressed as written), not a TEMP table (kept raw in the pool and
 * spilled raw: most of loadSongplays' time at 8M events under the bounded pool, docs/performance.md).
 * Being a real table, it must exist only inside the publish's transaction.
 */
const RUN = 'r1';
const PARAMS = { run_id: RUN, duration_tolerance: 2, days: ['2018-11-01'] };
const SCHEMA = ['schema/staging_events', 'schema/songplays', 'schema/time', 'schema/etl_tables', 'schema/etl_play_names'] as const;

// Two plays of one event staged twice (the dedup branch), one play staged once, one non-play.
const EVENTS = `INSERT INTO staging_events (run_id, source_key, source_line, artist, song, length, level, location, page, sessionid, iteminsession, ts, useragent, userid) VALUES
  ('${RUN}', 'a.json', 1, 'Artist', 'Song', 200.0, 'free', 'Here', 'NextSong', 1, 0, 1541030400000, 'UA', '7'),
  ('${RUN}', 'b.json', 1, 'Artist', 'Song', 200.0, 'free', 'Here', 'NextSong', 1, 0, 1541030400000, 'UA', '7'),
  ('${RUN}', 'a.json', 2, 'Other', 'Tune', 100.0, 'paid', 'There', 'NextSong', 1, 1, 1541030460000, 'UA', '7'),
  ('${RUN}', 'a.json', 3, NULL, NULL, NULL, 'paid', 'There', 'Home', 1, 2, 1541030470000, 'UA', '7')`;
const REPAIRS = `INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key) VALUES
  ('${RUN}', 'text', 'Artist', 'Artist', 'artist'), ('${RUN}', 'text', 'Song', 'Song', 'song'),
  ('${RUN}', 'text', 'Other', 'Other', 'other'), ('${RUN}', 'text', 'Tune', 'Tune', 'tune')`;
const SONG_KEYS = `INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration) VALUES
  ('S1', 'A1', 'Song', 'Artist', 'song', 'artist', 201.0)`;
// Inside the publish, right after publish_songplays is made: what kind of table it is.
const PROBE = "CREATE TABLE probe AS SELECT temporary, database_name FROM duckdb_tables() WHERE table_name = 'publish_songplays'";
const LEFT_OVER = "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'publish_%'";

function publishWithProbe(): string[] {
  const statements = sqlStatements('transform/songplays', 'duckdb', PARAMS);
  const at = statements.findIndex((s) => /CREATE TABLE publish_songplays AS/.test(s));
  if (at < 0) throw new Error('transform/songplays renders no CREATE TABLE publish_songplays on DuckDB');
  return [...statements.slice(0, at + 1), PROBE, ...statements.slice(at + 1)];
}

describe('DuckDB songplays publish: its plays in a table of the database, inside the transaction', () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duckdb-publish-'));
    warehouse = await DuckDbWarehouse.open(path.join(dir, 'warehouse.duckdb'));
    await warehouse.execute(SCHEMA.flatMap((name) => sqlStatements(name, 'duckdb')));
    await warehouse.execute([EVENTS, REPAIRS, SONG_KEYS]);
  });
  afterEach(async () => {
    await warehouse.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('renders a TEMP table on Redshift and an UNLOGGED one on PostgreSQL (test/songplaysParallel.test.ts) only', () => {
    for (const dialect of ['postgres', 'redshift'] as const) {
      expect(sqlStatements('transform/songplays', dialect, PARAMS).some((s) => new RegExp(`CREATE ${dialect === 'postgres' ? 'UNLOGGED' : 'TEMP'} TABLE publish_songplays AS`).test(s))).toBe(true);
    }
    expect(sqlStatements('transform/songplays', 'duckdb', PARAMS).some((s) => /TEMP TABLE publish_songplays/.test(s))).toBe(false);
  });

  test('publishes the plays (one per event), using a non-temporary table that is gone after commit', async () => {
    await warehouse.execute(publishWithProbe());
    expect(await warehouse.query('SELECT temporary, database_name FROM probe')).toEqual([{ temporary: false, database_name: 'warehouse' }]);
    expect(Number((await warehouse.query(LEFT_OVER))[0].n)).toBe(0);
    const plays = await warehouse.query('SELECT user_id, song_id, level FROM songplays ORDER BY start_time');
    expect(plays).toEqual([
      { user_id: 7, song_id: 'S1', level: 'free' },
      { user_id: 7, song_id: null, level: 'paid' },
    ]);
    const [stats] = await warehouse.query(`SELECT plays, strict_matches, repaired_matches FROM etl_match_stats WHERE run_id = '${RUN}'`);
    expect({ plays: Number(stats.plays), strict: Number(stats.strict_matches), repaired: Number(stats.repaired_matches) }).toEqual({ plays: 2, strict: 0, repaired: 1 });
  });

  test('a publish that fails after making it leaves neither the table nor any play', async () => {
    const failing = [...sqlStatements('transform/songplays', 'duckdb', PARAMS).filter((s) => !/^\s*DROP TABLE/m.test(s.replace(/^--.*$/gm, ''))), 'SELECT error(\'stop here\')'];
    await expect(warehouse.execute(failing)).rejects.toThrow(/stop here/);
    expect(Number((await warehouse.query(LEFT_OVER))[0].n)).toBe(0);
    expect(Number((await warehouse.query('SELECT count(*) AS n FROM songplays'))[0].n)).toBe(0);
    // The next attempt makes the table afresh.
    await warehouse.execute(sqlStatements('transform/songplays', 'duckdb', PARAMS));
    expect(Number((await warehouse.query('SELECT count(*) AS n FROM songplays'))[0].n)).toBe(2);
  });
});
