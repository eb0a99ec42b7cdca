import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { publishTransform } from '../../src/activities/publishActivities';
import { sqlStatements } from '../../src/warehouse/sql';

/**
 * DuckDB publishes songplays with its own file (sql/transform/duckdb/songplays.sql): the plays go
 * straight from staging into songplays, with no table of every play. It must publish exactly what
 * the shared file (sql/transform/songplays.sql, PostgreSQL's and Redshift's) publishes: the plays,
 * their names and the run's match statistics, with events staged twice, NULL parts, repaired texts,
 * plays of earlier runs inside and outside the replaced days, and again on a rerun.
 */
const RUN = 'r2';
const SCHEMA = ['schema/staging_events', 'schema/songplays', 'schema/time', 'schema/etl_tables', 'schema/etl_play_names', 'schema/etl_cross_day_plays'] as const;
const COLUMNS = '(run_id, source_key, source_line, song, artist, length, level, location, page, sessionid, iteminsession, ts, useragent, userid)';
const DAY = 86_400_000;
const NOV1 = 1541030400000;

/** 3 days of events: 600 plays over 40 triples (some with NULL parts), 9 events staged twice (some with other content), non-plays, plays without a user. */
function events(): string {
  const rows: string[] = [];
  const q = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);
  for (let i = 0; i < 600; i++) {
    const t = i % 40;
    const song = t % 13 === 0 ? null : `Song ${t}`;
    const artist = t % 17 === 0 ? null : `Artist ${t % 25}`;
    const length = t % 11 === 0 ? null : 180 + t + (i % 3 === 0 ? 1.5 : 0);
    const page = i % 29 === 0 ? 'Home' : 'NextSong';
    const user = i % 31 === 0 ? ' ' : ` ${i % 12} `;
    const ts = NOV1 + (i % 3) * DAY + i * 1000;
    const location = `Town ${i % 5}`;
    const row = (file: string, line: number, level: string, loc: string) =>
      `('${RUN}', '${file}', ${line}, ${q(song)}, ${q(artist)}, ${length ?? 'NULL'}, '${level}', '${loc}', '${page}', ${i % 7}, ${i}, ${ts}, 'UA ${i % 4}', '${user}')`;
    rows.push(row(`log-${i % 3}.json`, i + 1, i % 2 === 0 ? 'free' : 'paid', location));
    if (i % 67 === 0) rows.push(row('again.json', i + 1, i % 2 === 0 ? 'paid' : 'free', i % 2 === 0 ? location : 'Elsewhere'));
  }
  return `INSERT INTO staging_events ${COLUMNS} VALUES ${rows.join(',\n')}`;
}

const REPAIRS = `INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key)
  SELECT '${RUN}', 'text', 'Song ' || i, CASE WHEN i % 2 = 0 THEN 'Song ' || i ELSE 'Song  ' || i || '!' END, 'song' || i FROM range(40) t(i)
  UNION ALL SELECT '${RUN}', 'text', 'Artist ' || i, 'Artist ' || i, 'artist' || i FROM range(25) t(i)
  UNION ALL SELECT '${RUN}', 'text', 'Town ' || i, CASE WHEN i < 2 THEN 'City ' || i ELSE 'Town ' || i END, 'town' || i FROM range(5) t(i)
  UNION ALL SELECT '${RUN}', 'user_agent', 'UA ' || i, CASE WHEN i = 1 THEN 'Agent 1' ELSE 'UA ' || i END, 'ua' || i FROM range(4) t(i)`;
// Songs for half the triples, within and outside the tolerance; two candidates for some.
const SONG_KEYS = `INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration)
  SELECT 'S' || i, 'A' || (i % 25), 'Song ' || i, 'Artist ' || (i % 25), 'song' || i, 'artist' || (i % 25), 180 + i + (i % 4) FROM range(0, 40, 2) t(i)
  UNION ALL SELECT 'T' || i, 'A' || (i % 25), 'Song ' || i, 'Artist ' || (i % 25), 'song' || i, 'artist' || (i % 25), 180 + i + 1.5 FROM range(0, 40, 6) t(i)`;
// An earlier run's plays: one on a replaced day, one on a day the run keeps, and one of this
// run's events (by id) on that kept day, with old content (replaced by key).
const EARLIER = [
  `INSERT INTO songplays VALUES
    ('old-on-replaced-day', TIMESTAMP '2018-11-01 05:00:00', 1, 'free', NULL, NULL, 1, 'Old', 'UA'),
    ('old-on-kept-day', TIMESTAMP '2018-11-03 05:00:00', 1, 'free', NULL, NULL, 1, 'Old', 'UA')`,
  `INSERT INTO songplays SELECT md5(TRIM(userid) || '|' || CAST(sessionid AS VARCHAR) || '|' || CAST(iteminsession AS VARCHAR) || '|' || CAST(ts AS VARCHAR)),
     epoch_ms(ts), CAST(TRIM(userid) AS INTEGER), 'old', NULL, NULL, sessionid, 'Old', 'Old'
   FROM staging_events WHERE run_id = '${RUN}' AND page = 'NextSong' AND TRIM(userid) <> '' AND ts >= ${NOV1 + 2 * DAY} LIMIT 5`,
  `INSERT INTO etl_play_names VALUES (1, 'Song 2', 'Artist 2'), (2, 'Old', 'Name')`,
  `INSERT INTO etl_songplay_names SELECT songplay_id, start_time, user_id, 2, 0 FROM songplays`,
];
// Only the first two days are replaced: the third day's plays of this run replace theirs by key.
const PARAMS = { run_id: RUN, duration_tolerance: 2, days: ['2018-11-01', '2018-11-02'], copies_counted: true };
const TABLES = ['songplays', 'etl_songplay_names', 'etl_play_names', 'etl_match_stats'];

async function warehouseWith(): Promise<{ instance: DuckDBInstance; db: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  for (const s of SCHEMA.flatMap((name) => sqlStatements(name, 'duckdb'))) await db.run(s);
  for (const s of [events(), REPAIRS, SONG_KEYS, ...EARLIER]) await db.run(s);
  return { instance, db };
}

async function publish(db: DuckDBConnection, name: 'transform/songplays' | 'transform/duckdb/songplays'): Promise<void> {
  await db.run('BEGIN');
  for (const s of sqlStatements(name, 'duckdb', PARAMS)) await db.run(s);
  await db.run('COMMIT');
}

async function contents(db: DuckDBConnection): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = (await db.runAndReadAll(`SELECT * FROM ${table} ORDER BY ALL`)).getRowObjectsJson();
  return out;
}

describe('DuckDB songplays publish straight from staging', () => {
  test('loadSongplays runs it on DuckDB only; PostgreSQL and Redshift keep the shared file', () => {
    expect(publishTransform('loadSongplays', 'duckdb')).toBe('transform/duckdb/songplays');
    expect(publishTransform('loadSongplays', 'postgres')).toBe('transform/songplays');
    expect(publishTransform('loadSongplays', 'redshift')).toBe('transform/songplays');
    expect(publishTransform('loadUsers', 'duckdb')).toBe('transform/users');
  });

  test('writes no table of every play: only TEMP scratch tables, none filled per play', () => {
    const statements = sqlStatements('transform/duckdb/songplays', 'duckdb', PARAMS).map((s) => s.replace(/--.*$/gm, ''));
    expect(statements.filter((s) => /CREATE\s+TABLE/i.test(s))).toEqual([]);
    expect(statements.some((s) => /publish_songplays/.test(s))).toBe(false);
  });

  test('publishes the same plays, names and match statistics as the shared file, and a rerun changes nothing', async () => {
    const shared = await warehouseWith();
    const direct = await warehouseWith();
    try {
      const before = await contents(direct.db);
      await publish(shared.db, 'transform/songplays');
      await publish(direct.db, 'transform/duckdb/songplays');
      const published = await contents(shared.db);
      // The data exercises what it should: copies, unmatched and matched plays, plays replaced by key.
      const [copies] = (await shared.db.runAndReadAll(`SELECT count(*) AS n FROM (SELECT ts FROM staging_events WHERE page = 'NextSong' AND TRIM(userid) <> '' GROUP BY ALL HAVING count(*) > 1)`)).getRowObjectsJson();
      expect(Number(copies.n)).toBeGreaterThan(3);
      expect(published.songplays.length).toBeGreaterThan(500);
      expect(published.etl_match_stats).toHaveLength(1);
      const [stats] = published.etl_match_stats as { plays: string; strict_matches: string; repaired_matches: string }[];
      expect(Number(stats.repaired_matches)).toBeGreaterThan(0);
      expect(Number(stats.repaired_matches)).toBeLessThan(Number(stats.plays));
      expect(Number(stats.strict_matches)).toBeGreaterThan(0);
      expect(published.songplays).not.toEqual(before.songplays);
      expect(published.songplays.filter((p) => (p as { level: string }).level === 'old')).toEqual([]);
      expect(published.songplays.map((p) => (p as { songplay_id: string }).songplay_id)).toContain('old-on-kept-day');
      expect(published.songplays.map((p) => (p as { songplay_id: string }).songplay_id)).not.toContain('old-on-replaced-day');

      expect(await contents(direct.db)).toEqual(published);
      await publish(direct.db, 'transform/duckdb/songplays');
      expect(await contents(direct.db)).toEqual(published);
    } finally {
      for (const { db, instance } of [shared, direct]) {
        db.closeSync();
        instance.closeSync();
      }
    }
  });
});
