/**
 * What each play names (etl_songplay_names, written by the songplays publish) is what the report's
 * "as the plays name them" lists count (sql/insights/content_played.sql). These tests hold it to
 * songplays row for row through reruns, a changed day and a backfill-style rerun of one date, hold
 * each play's name to its raw event, and show the deliberate differences from reading staging:
 * an event staged twice counts once, under the name of the copy its play was made from, and the
 * lists survive the staging retention clearing the runs' staged rows.
 */
import { randomUUID, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunWindow } from '../src/etl/types';
import { workflowIdFor } from '../src/etl/workflowIds';
import { buildInsights } from '../src/insights';
import { queryInsights } from '../src/insights/queries';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal, type TestWorker } from './harness/temporal';
import { fixText, readEvents } from './support/expectations';
import { withOpenedWarehouse } from './harness/openedWarehouse';

let temporal: TestTemporal;
let pg: PgServer;
let tmp: string;

beforeAll(async () => {
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-play-names-'));
});

afterAll(async () => {
  await temporal?.stop();
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function runDate(w: TestWorker, date: string, source: string, warehouse: string) {
  const window: RunWindow = { from: date, to: date };
  return w.run({ source, warehouse, window }, workflowIdFor(window));
}

/** Rows of songplays and etl_songplay_names that do not pair up one to one (same id, start time, user, match). */
async function unpairedPlays(w: Warehouse): Promise<number> {
  const [row] = await w.query(`
    SELECT COUNT(*) AS n
    FROM songplays p
    FULL JOIN etl_songplay_names n ON n.songplay_id = p.songplay_id
    WHERE p.songplay_id IS NULL OR n.songplay_id IS NULL OR p.start_time <> n.start_time OR p.user_id <> n.user_id
       OR (CASE WHEN p.song_id IS NULL THEN 0 ELSE 1 END) <> n.matched`);
  const [counts] = await w.query('SELECT COUNT(*) AS n, COUNT(DISTINCT songplay_id) AS ids FROM etl_songplay_names');
  const [plays] = await w.query('SELECT COUNT(*) AS n FROM songplays');
  expect(Number(counts.n)).toBe(Number(counts.ids));
  expect(Number(counts.n)).toBe(Number(plays.n));
  return Number(row.n);
}

/** Each play's (title, artist) as etl_songplay_names names it, by songplay_id, with its location. */
async function playNames(w: Warehouse): Promise<Map<string, { title: string; artist: string; location: string | null }>> {
  const rows = await w.query(`
    SELECT n.songplay_id, d.title, d.artist_name, p.location
    FROM etl_songplay_names n
    JOIN etl_play_names d ON d.name_id = n.name_id
    JOIN songplays p ON p.songplay_id = n.songplay_id`);
  return new Map(rows.map((r) => [String(r.songplay_id), { title: String(r.title), artist: String(r.artist_name), location: r.location === null ? null : String(r.location) }]));
}

/** The name each raw event gives its play (title and artist repaired; '(unknown)' when missing), by songplay_id. */
function rawNames(root: string): Map<string, { title: string; artist: string }[]> {
  const names = new Map<string, { title: string; artist: string }[]>();
  for (const e of readEvents(root)) {
    if (e.page !== 'NextSong' || e.userId.trim() === '') continue;
    const id = createHash('md5').update(`${e.userId.trim()}|${e.sessionId}|${e.itemInSession}|${e.ts}`).digest('hex');
    const name = { title: e.song === null ? '(unknown)' : fixText(e.song), artist: e.artist === null ? '(unknown)' : fixText(e.artist) };
    names.set(id, [...(names.get(id) ?? []), name]);
  }
  return names;
}

const played = async (w: Warehouse) => {
  const data = await queryInsights(w, { window: null });
  return { songs: data.content.playedSongs, artists: data.content.playedArtists, plays: data.content.plays };
};

describe('etl_songplay_names', () => {
  test('DuckDB: one row per play with its own name; an event staged twice counts once, as the copy its play was made from; reruns and cleared staging change nothing', async () => {
    // A copy of the sample where one play's event is logged again in another day's file, under
    // another title and location: staged twice by a run over every file.
    const data = path.join(tmp, 'twice');
    fs.cpSync(SAMPLE_DIR, data, { recursive: true });
    const logDir = path.join(data, 'log_data/2018/11');
    const source = fs.readFileSync(path.join(logDir, '2018-11-05-events.json'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const twice = JSON.parse(source.find((l) => (JSON.parse(l) as { page: string; userId: string }).page === 'NextSong' && (JSON.parse(l) as { userId: string }).userId !== '')!) as Record<string, unknown>;
    const copy = { ...twice, song: 'A Title Only The Copy Has', location: 'Reykjavik, IS' };
    const other = path.join(logDir, '2018-11-20-events.json');
    fs.writeFileSync(other, `${fs.readFileSync(other, 'utf8').trimEnd()}\n${JSON.stringify(copy)}\n`);
    const twiceId = createHash('md5').update(`${String(twice.userId).trim()}|${twice.sessionId}|${twice.itemInSession}|${twice.ts}`).digest('hex');

    const file = path.join(tmp, `names-${randomUUID()}.duckdb`);
    const uri = `duckdb:${file}`;
    const open = () => DuckDbWarehouse.open(file);
    const w1 = await temporal.worker();
    await w1.run({ source: data, warehouse: uri }, `play-names-${randomUUID()}`);
    await w1.resources.close();

    const expected = rawNames(data);
    const before = await withOpenedWarehouse(open, async (w) => {
      expect(await unpairedPlays(w)).toBe(0);
      const names = await playNames(w);
      expect(names.size).toBe(expected.size);
      for (const [id, name] of names) {
        if (id === twiceId) continue;
        expect({ id, ...name, location: undefined }).toEqual({ id, ...expected.get(id)![0], location: undefined });
      }
      // The event staged twice: one play, named as the copy songplays kept (told apart by location).
      const kept = names.get(twiceId)!;
      expect(expected.get(twiceId)).toHaveLength(2);
      expect(kept.title).toBe(kept.location === 'Reykjavik, IS' ? 'A Title Only The Copy Has' : fixText(String(twice.song)));
      return played(w);
    });
    expect(before.songs).toHaveLength(10);

    // Re-running the date whose file holds the first copy (its play lies on that date) and the one
    // holding the second (its play lies on another date: replaced by key) leaves one row per play.
    for (const date of ['2018-11-05', '2018-11-20']) {
      const w = await temporal.worker();
      await runDate(w, date, data, uri);
      await w.resources.close();
      await withOpenedWarehouse(open, async (wh) => {
        expect(await unpairedPlays(wh)).toBe(0);
        // The date's run staged only its own copy, so the play is named as that copy now.
        const kept = (await playNames(wh)).get(twiceId)!;
        expect(kept.title).toBe(date === '2018-11-20' ? 'A Title Only The Copy Has' : fixText(String(twice.song)));
        expect(kept.location).toBe(date === '2018-11-20' ? 'Reykjavik, IS' : twice.location);
      });
    }

    // Staging retention 0: each run's staged rows go as it completes. The played lists are the
    // published plays' and stay; reading staging, they were empty once the rows were gone.
    const retention = process.env.SPARKIFY_STAGING_RETENTION_DAYS;
    process.env.SPARKIFY_STAGING_RETENTION_DAYS = '0';
    try {
      const w = await temporal.worker();
      await runDate(w, '2018-11-05', data, uri);
      await w.resources.close();
    } finally {
      if (retention === undefined) delete process.env.SPARKIFY_STAGING_RETENTION_DAYS;
      else process.env.SPARKIFY_STAGING_RETENTION_DAYS = retention;
    }
    await withOpenedWarehouse(open, async (w) => {
      expect(Number((await w.query('SELECT COUNT(*) AS n FROM staging_events'))[0].n)).toBe(0);
      expect(await unpairedPlays(w)).toBe(0);
      expect(await played(w)).toEqual(before);
    });

    // A warehouse loaded before play names were kept: a day's plays have no names. The report
    // counts them and says which command brings them back; re-running the day does.
    const unnamedNote = (report: Awaited<ReturnType<typeof buildInsights>>) =>
      report.sections.find((s) => s.id === 'content')!.notes.filter((n) => n.includes('published before play names were kept'));
    const dayPlays = await withOpenedWarehouse(open, async (w) => {
      const [row] = await w.query("SELECT COUNT(*) AS n FROM etl_songplay_names WHERE CAST(start_time AS DATE) = DATE '2018-11-05'");
      await w.execute("DELETE FROM etl_songplay_names WHERE CAST(start_time AS DATE) = DATE '2018-11-05'");
      const report = await buildInsights(w, null);
      expect(report.data.content.namedPlays).toBe(report.data.content.plays - Number(row.n));
      expect(unnamedNote(report)).toEqual([expect.stringContaining(`leave out ${Number(row.n)} plays`)]);
      expect(unnamedNote(report)[0]).toContain('sparkify backfill');
      return Number(row.n);
    });
    expect(dayPlays).toBeGreaterThan(0);
    const again = await temporal.worker();
    await runDate(again, '2018-11-05', data, uri);
    await again.resources.close();
    await withOpenedWarehouse(open, async (w) => {
      const report = await buildInsights(w, null);
      expect(report.data.content.namedPlays).toBe(report.data.content.plays);
      expect(unnamedNote(report)).toEqual([]);
      expect(await played(w)).toEqual(before);
    });
  });

  test("PostgreSQL: a changed day's file re-run gives the names and lists of a fresh run over the changed files", async () => {
    const data = path.join(tmp, 'changed');
    fs.cpSync(SAMPLE_DIR, data, { recursive: true });
    const url = await createTestDatabase(pg.url, 'play_names');
    const open = async () => new PostgresWarehouse(url);
    await (await temporal.worker()).run({ source: data, warehouse: url }, `play-names-${randomUUID()}`);

    // The day's file loses two plays and one play names another title.
    const file = path.join(data, 'log_data/2018/11/2018-11-05-events.json');
    const events = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const plays = events.map((e, i) => ({ e, i })).filter(({ e }) => e.page === 'NextSong' && e.userId !== '');
    const dropped = new Set([plays[0].i, plays[1].i]);
    const renamed = plays[2].i;
    const changed = events.flatMap((e, i) => (dropped.has(i) ? [] : [i === renamed ? { ...e, song: 'A Renamed Song' } : e]));
    fs.writeFileSync(file, changed.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await runDate(await temporal.worker(), '2018-11-05', data, url);

    const fresh = await createTestDatabase(pg.url, 'play_names_fresh');
    await (await temporal.worker()).run({ source: data, warehouse: fresh }, `play-names-${randomUUID()}`);
    const expected = rawNames(data);
    const rerun = await withOpenedWarehouse(open, async (w) => {
      expect(await unpairedPlays(w)).toBe(0);
      const names = await playNames(w);
      expect(names.size).toBe(expected.size);
      for (const [id, name] of names) expect({ id, title: name.title, artist: name.artist }).toEqual({ id, ...expected.get(id)![0] });
      expect([...names.values()].filter((n) => n.title === 'A Renamed Song')).toHaveLength(1);
      return played(w);
    });
    expect(rerun).toEqual(await withOpenedWarehouse(async () => new PostgresWarehouse(fresh), played));
  });
});
