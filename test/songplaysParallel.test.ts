/**
 * The songplays publish on PostgreSQL reads every play of the run in a few statements; their
 * intermediates are UNLOGGED tables (fragments publish_table / publish_lookup_table), not TEMP
 * ones, because a TEMP table lives in one backend's local buffers and a plan touching it cannot
 * run on parallel workers. This file checks that the pass over every play (publish_songplays) can
 * be planned on workers up to its sort, that the search for events staged twice sorts on workers
 * instead of hashing every event in one process, that it publishes the same rows as a publish with
 * no workers at all, and that its tables never outlive the publish's transaction, committed or not.
 */
import { Client } from 'pg';
import { publishSettings } from '../src/activities/publishActivities';
import { sqlStatements } from '../src/warehouse/sql';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { attachStagingPartitionsOn } from './support/stagingPartitions';

let pg: PgServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
});

const RUN = 'run-parallel';
const DAY = '2018-11-01';
const PARAMS = { run_id: RUN, duration_tolerance: 2, days: [DAY], key_built_after: false, copies_counted: true };
const SCHEMA = ['staging_events', 'staging_songs', 'songplays', 'songs', 'etl_tables', 'etl_play_names', 'etl_cross_day_plays', 'etl_song_files'];
const EVENTS = 3_000;
const SONGS = 120;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Strategy?: string;
  Plans?: PlanNode[];
}

/** A database holding one staged run, its repaired text and its songs published, as loadSongplays finds them. */
async function stagedDatabase(): Promise<Client> {
  const client = new Client({ connectionString: await createTestDatabase(pg.url, 'songplays_parallel') });
  await client.connect();
  for (const name of SCHEMA) for (const statement of sqlStatements(`schema/${name}`, 'postgres')) await client.query(statement);
  await attachStagingPartitionsOn(client, RUN);
  // Plays of SONGS songs (every 9th with a length no song has), a few users, locations with a
  // trailing blank (so text repair changes them), every 40th event logged-out or not a play.
  await client.query(
    `INSERT INTO staging_events (run_id, source_key, source_line, artist, song, length, level, location, page, sessionid, iteminsession, ts, useragent, userid)
     SELECT $1, 'log_data/2018/11/2018-11-01-events.json', i, 'Artist ' || (i % $3), 'Song ' || (i % $3),
            CASE WHEN i % 9 = 0 THEN 999.5 ELSE 100 + (i % $3) END,
            CASE WHEN i % 7 = 0 THEN 'paid' ELSE 'free' END,
            'Town ' || (i % 30) || CASE WHEN i % 2 = 0 THEN ' ' ELSE '' END,
            CASE WHEN i % 40 = 0 THEN 'Home' ELSE 'NextSong' END, i / 25, i % 25, 1541030400000 + i * 1000,
            'Agent ' || (i % 3), CASE WHEN i % 41 = 0 THEN '' ELSE CAST(i % 60 AS TEXT) END
     FROM generate_series(1, $2::int) AS i`,
    [RUN, EVENTS, SONGS],
  );
  // Every 50th event staged again from another file with another level: the dedup of copies.
  await client.query(
    `INSERT INTO staging_events (run_id, source_key, source_line, artist, song, length, level, location, page, sessionid, iteminsession, ts, useragent, userid)
     SELECT run_id, 'log_data/2018/11/copies.json', source_line, artist, song, length, CASE WHEN level = 'paid' THEN 'free' ELSE 'paid' END,
            location, page, sessionid, iteminsession, ts, useragent, userid
     FROM staging_events WHERE run_id = $1 AND source_line % 50 = 0`,
    [RUN],
  );
  await client.query(
    `INSERT INTO staging_songs (run_id, source_key, source_line, num_songs, artist_id, artist_name, song_id, title, duration, year)
     SELECT $1, 'song_data/' || i || '.json', 1, 1, 'AR' || i, 'Artist ' || i, 'SO' || i, 'Song ' || i, 100 + i, 2000
     FROM generate_series(0, $2::int - 1) AS i`,
    [RUN, SONGS],
  );
  for (const statement of sqlStatements('transform/postgres/text_candidates', 'postgres', { run_id: RUN })) await client.query(statement);
  // A stand-in for the worker's repair: trimmed, and lower-cased for the match key.
  await client.query(`UPDATE etl_text_repairs SET repaired = TRIM(raw), match_key = LOWER(TRIM(raw)) WHERE run_id = $1`, [RUN]);
  for (const statement of sqlStatements('transform/songs', 'postgres', { run_id: RUN })) await client.query(statement);
  await client.query('ANALYZE');
  return client;
}

/** The songplays publish as loadSongplays runs it on PostgreSQL: its settings, then the file, in one transaction. */
function publishStatements(): string[] {
  return [...publishSettings('postgres', 'transform/songplays'), ...sqlStatements('transform/songplays', 'postgres', PARAMS)];
}

const isPublishSongplays = (statement: string) => /CREATE UNLOGGED TABLE publish_songplays AS/.test(statement);
const isPlayCopies = (statement: string) => /CREATE UNLOGGED TABLE publish_play_copies AS/.test(statement);

/** Every row the publish wrote, in a fixed order, as text. */
async function published(client: Client): Promise<Record<string, string[]>> {
  const rows = async (sql: string) => (await client.query(sql)).rows.map((r) => JSON.stringify(r));
  return {
    songplays: await rows('SELECT * FROM songplays ORDER BY songplay_id'),
    names: await rows('SELECT n.songplay_id, n.start_time, n.user_id, n.matched, d.title, d.artist_name FROM etl_songplay_names n JOIN etl_play_names d ON d.name_id = n.name_id ORDER BY n.songplay_id'),
    dictionary: await rows('SELECT * FROM etl_play_names ORDER BY name_id'),
    stats: await rows('SELECT * FROM etl_match_stats ORDER BY run_id'),
  };
}

const publishTablesLeft = async (client: Client) =>
  Number((await client.query(`SELECT COUNT(*) AS n FROM pg_class WHERE relname LIKE 'publish\\_%'`)).rows[0].n);

/** The strategy of each Aggregate node of the plan (Hashed, Sorted, Plain, Mixed), depth first. */
const aggregates = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Aggregate' ? [node.Strategy ?? '?'] : []),
  ...(node.Plans ?? []).flatMap(aggregates),
];

/** The join nodes of a plan (Hash Join, Merge Join, Nested Loop), depth first. */
const joinsIn = (node: PlanNode): string[] => [
  ...(/Join|Nested Loop/.test(node['Node Type']) ? [node['Node Type']] : []),
  ...(node.Plans ?? []).flatMap(joinsIn),
];

/** Node types on the way from the plan's root to every scan of `relation`. */
function pathsTo(node: PlanNode, relation: string, above: string[] = []): string[][] {
  const here = [...above, node['Node Type']];
  // A run's partition of staging_events (src/warehouse/stagingPartitions.ts) is staging_events here.
  const found = node['Relation Name']?.replace(/^staging_events_[0-9a-f]{32}$/, 'staging_events') === relation ? [here] : [];
  for (const child of node.Plans ?? []) found.push(...pathsTo(child, relation, here));
  return found;
}

describe('songplays publish on PostgreSQL: parallel workers over the plays', () => {
  test('the loadSongplays transaction, and no other publish, asks for parallel plans', () => {
    const parallel = sqlStatements('postgres/publish_parallel', 'postgres');
    expect(parallel.length).toBeGreaterThan(0);
    expect(publishSettings('postgres', 'transform/songplays')).toEqual(expect.arrayContaining(parallel));
    expect(publishSettings('postgres', 'transform/users')).not.toEqual(expect.arrayContaining(parallel));
    expect(publishSettings('duckdb', 'transform/songplays')).toEqual([]);
  });

  test('every play is scanned, joined to its triple and sorted on workers, with the same rows as a publish without workers', async () => {
    const parallel = await stagedDatabase();
    const serial = await stagedDatabase();
    try {
      // On so small a table the planner would pick one process; these make it plan workers wherever the plan allows them.
      await parallel.query('BEGIN');
      for (const setting of ['parallel_setup_cost = 0', 'parallel_tuple_cost = 0', 'min_parallel_table_scan_size = 0']) await parallel.query(`SET LOCAL ${setting}`);
      let plan: PlanNode | undefined;
      let copiesPlan: PlanNode | undefined;
      for (const statement of publishStatements()) {
        if (!isPublishSongplays(statement) && !isPlayCopies(statement)) {
          await parallel.query(statement);
          continue;
        }
        const json = (await parallel.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>;
        if (isPublishSongplays(statement)) plan = json[0].Plan;
        else copiesPlan = json[0].Plan;
      }
      // Hashing is on again for what follows the copies (the setting holds for that statement only).
      expect((await parallel.query('SHOW enable_hashagg')).rows[0].enable_hashagg).toBe('on');
      await parallel.query('COMMIT');
      if (plan === undefined) throw new Error('transform/songplays renders no CREATE UNLOGGED TABLE publish_songplays on PostgreSQL');
      if (copiesPlan === undefined) throw new Error('transform/songplays renders no CREATE UNLOGGED TABLE publish_play_copies on PostgreSQL');
      // The copies are found by sorting (ts first), not by a hash table of every event in one process.
      expect(aggregates(copiesPlan)).toEqual(['Sorted']);
      // The sort by key is the workers' (under a Gather Merge), and so are the reads of the plays
      // and of their triples: with TEMP tables the triples could only be read above the Gather.
      expect(plan['Node Type']).toBe('Gather Merge');
      for (const relation of ['staging_events', 'publish_play_triples', 'publish_text_changes']) {
        const paths = pathsTo(plan, relation);
        expect({ relation, scanned: paths.length > 0 }).toEqual({ relation, scanned: true });
        for (const p of paths) expect({ relation, path: p.slice(0, 2) }).toEqual({ relation, path: ['Gather Merge', 'Sort'] });
      }

      await serial.query('BEGIN');
      await serial.query('SET LOCAL max_parallel_workers_per_gather = 0');
      for (const statement of publishStatements()) await serial.query(statement);
      await serial.query('COMMIT');

      const rows = await published(parallel);
      expect(rows).toEqual(await published(serial));
      // The fixture really published its plays, one per event: copies made one play each.
      const [{ plays, events }] = (
        await parallel.query(
          `SELECT (SELECT COUNT(*) FROM songplays) AS plays,
                  (SELECT COUNT(DISTINCT (TRIM(userid), sessionid, iteminsession, ts)) FROM staging_events WHERE page = 'NextSong' AND TRIM(userid) <> '') AS events`,
        )
      ).rows;
      expect(Number(plays)).toBe(Number(events));
      expect(Number(plays)).toBeGreaterThan(EVENTS / 2);
      expect(rows.names).toHaveLength(rows.songplays.length);
    } finally {
      await Promise.all([parallel.end(), serial.end()]);
    }
  });

  test('after the insert into songplays, only the etl_songplay_names insert and the listing of plays without a song read every play again', async () => {
    // Those statements run in one backend (PostgreSQL runs no INSERT on parallel workers): the
    // names and match statistics come from the triples, and each play carries its name_id; the
    // listing joins the plays to the triples they name by a hash of the triples (each play carries
    // its triple's number when it has no song), not of the plays.
    const client = await stagedDatabase();
    try {
      await client.query('BEGIN');
      const statements = publishStatements();
      const insertAt = statements.findIndex((s) => /INSERT INTO songplays /.test(s));
      expect(insertAt).toBeGreaterThan(0);
      const readers: { statement: string; joins: string[]; hashed: boolean }[] = [];
      for (const [i, statement] of statements.entries()) {
        const body = statement.replace(/^--.*$/gm, '').trim();
        if (i > insertAt && !/^(DELETE|DROP|ANALYZE|SET)/.test(body)) {
          const plan = (await client.query(`EXPLAIN (FORMAT JSON) ${statement}`)).rows[0]['QUERY PLAN'][0].Plan as PlanNode;
          if (pathsTo(plan, 'publish_songplays').length > 0) {
            readers.push({ statement: body.split('\n')[0], joins: joinsIn(plan), hashed: pathsTo(plan, 'publish_play_songs').filter((path) => path.includes('Hash')).length > 0 });
          }
        }
        await client.query(statement);
      }
      await client.query('ROLLBACK');
      expect(readers).toEqual([
        { statement: 'INSERT INTO etl_songplay_names (songplay_id, start_time, user_id, name_id, matched)', joins: [], hashed: false },
        { statement: 'INSERT INTO etl_unmatched_plays (songplay_id, start_time, song_key, artist_key, length)', joins: ['Hash Join'], hashed: true },
      ]);
    } finally {
      await client.end();
    }
  });

  test('its tables are gone after the publish commits, and after one that fails', async () => {
    const client = await stagedDatabase();
    try {
      await client.query('BEGIN');
      for (const statement of publishStatements()) await client.query(statement);
      await client.query('COMMIT');
      expect(await publishTablesLeft(client)).toBe(0);
      const plays = Number((await client.query('SELECT COUNT(*) AS n FROM songplays')).rows[0].n);
      expect(plays).toBeGreaterThan(0);

      // A publish that fails once its tables exist (before it drops them): nothing of it is left.
      const beforeDrops = publishStatements().filter((s) => !/^\s*DROP TABLE/m.test(s.replace(/^--.*$/gm, '')));
      await client.query('BEGIN');
      await client.query('DELETE FROM songplays');
      for (const statement of beforeDrops) await client.query(statement);
      expect(await publishTablesLeft(client)).toBeGreaterThan(0);
      await expect(client.query('SELECT 1 / 0')).rejects.toThrow(/division by zero/);
      await client.query('ROLLBACK');
      expect(await publishTablesLeft(client)).toBe(0);
      expect(Number((await client.query('SELECT COUNT(*) AS n FROM songplays')).rows[0].n)).toBe(plays);
    } finally {
      await client.end();
    }
  });
});
