import { sqlStatements } from '../../src/warehouse/sql';
import { inMemoryDuckDbPerTest } from '../support/duckdbInMemory';
import { hashedTables, type DuckDbPlanNode } from '../support/duckdbPlans';

/**
 * The songplays publish's dedup path (events staged more than once) on DuckDB. With no copies,
 * its statements once hashed every triple of the run, every text repair and every song key (LEFT
 * JOINs from the empty copies, all at once): at 8M events that ran out of a 128 MiB pool
 * (docs/performance-log.md). The copies now take their song, keys and strict match from their triple,
 * and their texts from the small table of changed texts. And a play's name comes from its raw triple,
 * NULL parts included.
 */
const RUN = 'r1';
const PARAMS = { run_id: RUN, duration_tolerance: 2, days: ['2018-11-01'], key_built_after: false, copies_counted: true };
const SCHEMA = ['schema/staging_events', 'schema/songplays', 'schema/time', 'schema/etl_tables', 'schema/etl_play_names', 'schema/etl_cross_day_plays'] as const;

const row = (line: number, song: string | null, artist: string | null, length: number | null, level: string, item: number, ts: number, file = 'a.json') =>
  `('${RUN}', '${file}', ${line}, ${song === null ? 'NULL' : `'${song}'`}, ${artist === null ? 'NULL' : `'${artist}'`}, ${length ?? 'NULL'}, '${level}', 'Here', 'NextSong', 1, ${item}, ${ts}, 'UA', '7')`;
const ONCE = [
  row(1, 'Song', 'Artist', 200.0, 'free', 0, 1541030400000),
  row(2, 'Tune', 'Other', 100.0, 'paid', 1, 1541030460000),
  row(3, null, null, null, 'paid', 2, 1541030470000),
  row(4, 'Song', 'Artist', null, 'paid', 3, 1541030480000),
];
const COLUMNS = '(run_id, source_key, source_line, song, artist, length, level, location, page, sessionid, iteminsession, ts, useragent, userid)';
// The first event again from another file, with another level: the same play, one copy kept.
const TWICE = row(9, 'Song', 'Artist', 200.0, 'paid', 0, 1541030400000, 'b.json');
const REPAIRS = `INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key) VALUES
  ('${RUN}', 'text', 'Artist', 'Artist', 'artist'), ('${RUN}', 'text', 'Song', 'Song!', 'song'),
  ('${RUN}', 'text', 'Other', 'Other', 'other'), ('${RUN}', 'text', 'Tune', 'Tune', 'tune'),
  ('${RUN}', 'text', 'Here', 'There', 'there')`;
const SONG_KEYS = `INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration) VALUES
  ('S1', 'A1', 'Song', 'Artist', 'song', 'artist', 201.0)`;
// What the copies path must not hash: the run's text repairs and the song keys (the main publish
// hashes neither per play either). It may hash the triples (DuckDB does not know a temp table's
// size inside the transaction), as the main publish does.
const NOT_HASHED = ['etl_text_repairs', 'etl_song_keys', 'publish_songplays'];

describe('DuckDB songplays publish: the dedup path', () => {
  const db = inMemoryDuckDbPerTest(SCHEMA, async (fresh) => {
    await fresh.run(REPAIRS);
    await fresh.run(SONG_KEYS);
  });
  const { rows } = db;

  // The shared file (as DuckDB renders it) and DuckDB's own (sql/transform/duckdb/songplays.sql, the one loadSongplays runs there).
  const FILES = [
    { file: 'transform/songplays', copyPath: /CREATE TEMP TABLE publish_copy_events|CREATE TEMP TABLE publish_copy_plays/ },
    { file: 'transform/duckdb/songplays', copyPath: /CREATE TEMP TABLE publish_copy_events|CREATE TEMP TABLE publish_copy_plays/ },
  ] as const;

  test.each(FILES)('$file: with no event staged twice, hashes neither the text repairs nor the song keys', async ({ file, copyPath: copyStatement }) => {
    // 20,000 plays of 5,000 triples, each title and artist with a repair: DuckDB chooses what to
    // hash by estimated size, so the tables need sizes like a real run's.
    await db.run(`INSERT INTO staging_events ${COLUMNS}
      SELECT '${RUN}', 'a.json', i, 'Song ' || (i % 5000), 'Artist ' || (i % 5000), 200.0, 'free', 'Here', 'NextSong', 1, i, 1541030400000 + i, 'UA', '7'
      FROM range(20000) AS t(i)`);
    await db.run(`INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key)
      SELECT '${RUN}', 'text', kind || ' ' || i, kind || '  ' || i, lower(kind) || i FROM range(5000) AS t(i), (VALUES ('Song'), ('Artist')) AS k(kind)`);
    await db.run(`INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration)
      SELECT 'S' || i, 'A' || i, 'Song ' || i, 'Artist ' || i, 'song' || i, 'artist' || i, 200.0 FROM range(5000) AS t(i)`);
    const statements = sqlStatements(file, 'duckdb', PARAMS);
    const copyPath = statements.filter((s) => copyStatement.test(s));
    expect(copyPath).toHaveLength(2);
    await db.run('BEGIN');
    for (const s of statements.slice(0, statements.indexOf(copyPath[0]))) await db.run(s);
    for (const s of copyPath) {
      const [plan] = await rows(`EXPLAIN (FORMAT JSON) ${s}`);
      const hashed = (JSON.parse(String(plan.explain_value)) as DuckDbPlanNode[]).flatMap(hashedTables);
      expect(hashed.filter((table) => NOT_HASHED.some((name) => table.endsWith(`.${name}`)))).toEqual([]);
      await db.run(s);
    }
    await db.run('ROLLBACK');
  });

  test.each(FILES)('$file: each play gets one name from its raw triple, NULL parts included, and an event staged twice keeps one copy', async ({ file }) => {
    await db.run(`INSERT INTO staging_events ${COLUMNS} VALUES ${[...ONCE, TWICE].join(', ')}`);
    for (const s of sqlStatements(file, 'duckdb', PARAMS)) await db.run(s);
    const plays = await rows(`SELECT p.level, p.song_id, p.location, n.title, n.artist_name, s.matched
      FROM songplays p JOIN etl_songplay_names s USING (songplay_id) JOIN etl_play_names n USING (name_id) ORDER BY p.start_time`);
    expect(plays).toEqual([
      // The copy with the smaller md5 of its content (sql/transform/songplays.sql): the 'paid' one
      // here, as before this publish took names from triples (checked against the earlier SQL).
      { level: 'paid', song_id: 'S1', location: 'There', title: 'Song!', artist_name: 'Artist', matched: 1 },
      { level: 'paid', song_id: null, location: 'There', title: 'Tune', artist_name: 'Other', matched: 0 },
      { level: 'paid', song_id: null, location: 'There', title: '(unknown)', artist_name: '(unknown)', matched: 0 },
      { level: 'paid', song_id: null, location: 'There', title: 'Song!', artist_name: 'Artist', matched: 0 },
    ]);
    expect(await rows('SELECT count(*) AS n FROM etl_songplay_names')).toEqual([{ n: '4' }]);
    const [stats] = await rows(`SELECT plays, strict_matches, repaired_matches FROM etl_match_stats WHERE run_id = '${RUN}'`);
    expect(stats).toEqual({ plays: '4', strict_matches: '0', repaired_matches: '1' });
  });
});
