/**
 * On PostgreSQL the songplays publish leaves the run's events staged more than once to songplays'
 * primary key (engineTraits.ts copiesFoundByKey): it first runs without its pass that groups every
 * play by the columns of its id, and only when the key refuses a play id given twice does it run
 * again with the copies counted. The plays, their names and the match statistics are those DuckDB
 * publishes, counting the copies as it always does, with or without copies, on a first load (the
 * key built after the rows) and on a load into songplays that holds plays (the key kept).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import type { StatementOptions, Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { publishedBeforeSongplays } from './support/publishedBeforeSongplays';
import { copySampleDays } from './support/sampleDays';

const DAYS = ['2018-11-05', '2018-11-06'];
const COPIED_DAY = DAYS[0];

let pg: PgServer;
let dir: string;
beforeAll(async () => {
  pg = await startPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copies-left-to-key-'));
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Two days of the sample and every song file; with `copies`, three plays of the first day logged twice more, as other copies. */
function source(name: string, copies: boolean): string {
  const root = path.join(dir, name);
  copySampleDays(root, DAYS);
  if (copies) {
    const log = path.join(root, 'log_data', '2018', '11', `${COPIED_DAY}-events.json`);
    const text = fs.readFileSync(log, 'utf8');
    const plays = text.split('\n').filter((line) => line.includes('"page":"NextSong"')).slice(0, 3);
    // The same event (user, session, item, time): once as logged, once on another level and place.
    const others = plays.map((line) => line.replace('"level":"free"', '"level":"paid"').replace('"location":"', '"location":"Elsewhere, '));
    fs.writeFileSync(log, `${text.trimEnd()}\n${[...plays, ...others].join('\n')}\n`);
  }
  return root;
}

/** The statements of each songplays publish transaction `warehouse` runs (the real `execute` runs them). */
function watchPublishes(warehouse: Warehouse): string[][] {
  const publishes: string[][] = [];
  const execute = warehouse.execute.bind(warehouse);
  warehouse.execute = (statements: string | readonly string[], options?: StatementOptions) => {
    const list = typeof statements === 'string' ? [statements] : [...statements];
    if (list.some((s) => /\bpublish_songplays\s+AS\b/i.test(s))) publishes.push(list);
    return execute(statements, options);
  };
  return publishes;
}

/** How the copies' pass ran in a publish: left to the key (reads no row) or counted. */
function copiesPass(statements: string[]): 'left to the key' | 'counted' {
  const pass = statements.find((s) => /CREATE \w+ TABLE publish_play_copies AS/.test(s));
  if (!pass) throw new Error('the publish has no pass for the copies');
  if (/WHERE FALSE AND run_id/.test(pass)) return 'left to the key';
  if (/WHERE TRUE AND run_id/.test(pass)) return 'counted';
  throw new Error(`the copies' pass says neither: ${pass}`);
}

const PUBLISHED = {
  songplays: 'SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent FROM songplays ORDER BY songplay_id',
  names: 'SELECT s.songplay_id, s.start_time, s.user_id, n.title, n.artist_name, s.matched FROM etl_songplay_names s JOIN etl_play_names n ON n.name_id = s.name_id ORDER BY s.songplay_id',
  unmatched: 'SELECT songplay_id, start_time, song_key, artist_key, length FROM etl_unmatched_plays ORDER BY songplay_id',
  stats: 'SELECT plays, strict_matches, repaired_matches FROM etl_match_stats',
};

async function published(warehouse: Warehouse): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(PUBLISHED)) out[name] = JSON.stringify(await warehouse.query(sql), (_k, v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v));
  return out;
}

/**
 * Runs the source up to and through the songplays publish (twice with `again`: into songplays that
 * holds the plays; with `dropKeyBeforeAgain`, songplays' key dropped first, as an operator might).
 */
async function run(warehouseUri: string, src: string, again = false, dropKeyBeforeAgain = false) {
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: warehouseUri, defaultSource: src });
  try {
    const activities = createActivities({ resources, log: silentLogger });
    const ref = { runId: 'run-copies', source: '', warehouse: '' };
    await publishedBeforeSongplays(activities, ref);
    const warehouse = await resources.warehouse('');
    const publishes = watchPublishes(warehouse);
    const first = await activities.loadSongplays({ ...ref, durationTolerance: 2 });
    const firstPublished = await published(warehouse);
    if (dropKeyBeforeAgain) await warehouse.execute('ALTER TABLE songplays DROP CONSTRAINT songplays_pkey');
    const second = again ? await activities.loadSongplays({ ...ref, durationTolerance: 2 }) : undefined;
    return { publishes, first, firstPublished, second, secondPublished: again ? await published(warehouse) : undefined };
  } finally {
    await resources.close();
  }
}

describe("PostgreSQL's songplays publish, the copies left to songplays' key", () => {
  it('runs once without the pass for copies when no event was staged twice, and publishes what DuckDB does', async () => {
    const src = source('none', false);
    const postgres = await run(await createTestDatabase(pg.url, 'copies_none'), src);
    const duckdb = await run(`duckdb:${path.join(dir, 'none.duckdb')}`, src);
    expect(postgres.publishes.map(copiesPass)).toEqual(['left to the key']);
    expect(postgres.first).toEqual(duckdb.first);
    expect(postgres.firstPublished).toEqual(duckdb.firstPublished);
    // DuckDB's own file counts the copies itself: no pass of the shared file runs there.
    expect(duckdb.publishes).toEqual([]);
  }, 120_000);

  it('runs again with the copies counted when the key refuses one, first load or not, and publishes what DuckDB does', async () => {
    const src = source('copies', true);
    const postgres = await run(await createTestDatabase(pg.url, 'copies_some'), src, true);
    const duckdb = await run(`duckdb:${path.join(dir, 'copies.duckdb')}`, src, true);
    // First load: the key, built after the rows, refused the copies; then a load into songplays
    // that holds the run's plays: the kept key refused the first copy inserted.
    expect(postgres.publishes.map(copiesPass)).toEqual(['left to the key', 'counted', 'left to the key', 'counted']);
    expect(postgres.first).toEqual(duckdb.first);
    expect(postgres.firstPublished).toEqual(duckdb.firstPublished);
    expect(postgres.secondPublished).toEqual(duckdb.secondPublished);
    expect(postgres.second).toEqual(duckdb.second);
    // The copies are one play each: as many plays as the source without them.
    const plays = JSON.parse(postgres.firstPublished.stats) as Array<{ plays: number }>;
    const without = await run(await createTestDatabase(pg.url, 'copies_without'), source('without', false));
    expect(plays).toEqual(JSON.parse(without.firstPublished.stats));
    expect(JSON.parse(postgres.firstPublished.songplays)).toHaveLength(JSON.parse(without.firstPublished.songplays).length);
  }, 180_000);

  it('counts the copies at once where songplays has lost its key, which would refuse none', async () => {
    const src = source('keyless', true);
    const postgres = await run(await createTestDatabase(pg.url, 'copies_keyless'), src, true, true);
    const duckdb = await run(`duckdb:${path.join(dir, 'keyless.duckdb')}`, src, true);
    expect(postgres.publishes.map(copiesPass)).toEqual(['left to the key', 'counted', 'counted']);
    expect(postgres.secondPublished).toEqual(duckdb.secondPublished);
  }, 180_000);
});
