import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import type { RunWindow } from '../src/etl/types';
import { silentLogger } from '../src/log';

/**
 * The star schema's data rules, table-driven: small crafted source files go through the real
 * activities, in DAG order, into an in-memory DuckDB.
 */
type Event = Record<string, unknown>;

function event(fields: Partial<Event> & { ts: number; userId: string }): Event {
  return {
    artist: null, auth: 'Logged In', firstName: 'Ann', gender: 'F', itemInSession: 0, lastName: 'Lee', length: null,
    level: 'free', location: 'Boston, MA', method: 'GET', page: 'Home', registration: 1540000000000, sessionId: 1,
    song: null, status: 200, userAgent: '"Mozilla/5.0"', ...fields,
  };
}

function song(fields: Partial<Record<string, unknown>> & { song_id: string; artist_id: string }): Record<string, unknown> {
  return { num_songs: 1, artist_latitude: null, artist_longitude: null, artist_location: '', artist_name: 'Someone', title: 'Tune', duration: 200, year: 2000, ...fields };
}

class Fixture {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-rules-'));
  readonly resources = new Resources({ s3: {}, log: silentLogger });
  readonly activities = createActivities({ resources: this.resources, log: silentLogger });
  readonly warehouse = `duckdb:${path.join(this.dir, 'wh.duckdb')}`;
  private runs = 0;

  writeDay(date: string, events: Event[]): void {
    const [y, m] = date.split('-');
    const dir = path.join(this.dir, 'data', 'log_data', y, m);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${date}-events.json`), events.map((e) => JSON.stringify(e)).join('\n'));
  }

  writeSong(record: Record<string, unknown>, name = String(record.song_id)): void {
    const dir = path.join(this.dir, 'data', 'song_data', 'A', 'B', 'C');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(record));
  }

  /** Runs the DAG's activities for a window, as the workflow would. */
  async run(window: RunWindow | null = null) {
    const a = this.activities;
    const ref = { runId: `run-${++this.runs}`, source: path.join(this.dir, 'data'), warehouse: this.warehouse };
    await a.createSchema(ref);
    await a.listSourceFiles({ ...ref, window });
    const events = await a.stageEvents({ ...ref, maxRejectRate: 0.5 });
    const songs = await a.stageSongs({ ...ref, maxRejectRate: 0.5 });
    await a.repairText(ref);
    await Promise.all([a.loadSongs(ref), a.loadArtists(ref), a.loadUsers(ref), a.loadTime(ref)]);
    const matches = await a.loadSongplays({ ...ref, durationTolerance: 2 });
    return { events, songs, matches };
  }

  async query(sql: string) {
    return (await this.resources.warehouse(this.warehouse)).query(sql);
  }

  async close() {
    await this.resources.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

let f: Fixture;
beforeEach(() => (f = new Fixture()));
afterEach(() => f.close());

const DAY1 = Date.UTC(2018, 10, 1, 12);
const DAY2 = Date.UTC(2018, 10, 2, 12);

describe('songplay_id', () => {
  test('is the md5 of user|session|item|ts, and one event in two files is one play', async () => {
    const play = event({ ts: DAY1, userId: '7', sessionId: 42, itemInSession: 3, page: 'NextSong', song: 'Tune', artist: 'Someone', length: 200 });
    f.writeDay('2018-11-01', [play]);
    f.writeDay('2018-11-02', [play, event({ ts: DAY2, userId: '7', sessionId: 43, page: 'NextSong', song: 'Other', artist: 'X', length: 10 })]);
    await f.run();
    const ids = (await f.query('SELECT songplay_id FROM songplays ORDER BY start_time')).map((r) => r.songplay_id);
    expect(ids).toEqual([
      createHash('md5').update(`7|42|3|${DAY1}`).digest('hex'),
      createHash('md5').update(`7|43|0|${DAY2}`).digest('hex'),
    ]);
  });

  test('is the same when the events are loaded again', async () => {
    f.writeDay('2018-11-01', [event({ ts: DAY1, userId: '7', page: 'NextSong', song: 'T', artist: 'A', length: 1 })]);
    await f.run();
    const first = await f.query('SELECT * FROM songplays');
    await f.run();
    expect(await f.query('SELECT * FROM songplays')).toEqual(first);
  });
});

describe("a user's level", () => {
  test.each([
    {
      rule: 'comes from the latest event of any page, not the latest play',
      events: [
        event({ ts: DAY1, userId: '5', level: 'free', page: 'NextSong', song: 'T', artist: 'A', length: 1 }),
        event({ ts: DAY1 + 60_000, userId: '5', level: 'paid', page: 'Submit Upgrade' }),
      ],
      level: 'paid',
    },
    {
      rule: 'breaks a tie on ts by the greater item in session',
      events: [
        event({ ts: DAY1, userId: '5', level: 'paid', itemInSession: 2, page: 'NextSong', song: 'T', artist: 'A', length: 1 }),
        event({ ts: DAY1, userId: '5', level: 'free', itemInSession: 1, page: 'Home' }),
      ],
      level: 'paid',
    },
    {
      rule: 'follows a downgrade',
      events: [
        event({ ts: DAY1, userId: '5', level: 'paid', page: 'NextSong', song: 'T', artist: 'A', length: 1 }),
        event({ ts: DAY1 + 1000, userId: '5', level: 'free', page: 'Submit Downgrade', itemInSession: 1 }),
      ],
      level: 'free',
    },
  ])('$rule', async ({ events, level }) => {
    f.writeDay('2018-11-01', events);
    await f.run();
    expect(await f.query('SELECT user_id, level FROM users')).toEqual([{ user_id: 5, level }]);
  });

  test('is the latest across dates whatever order the dates are loaded in', async () => {
    f.writeDay('2018-11-01', [event({ ts: DAY1, userId: '5', level: 'free', page: 'NextSong', song: 'T', artist: 'A', length: 1 })]);
    f.writeDay('2018-11-02', [event({ ts: DAY2, userId: '5', level: 'paid', page: 'NextSong', song: 'T', artist: 'A', length: 1 })]);
    await f.run({ from: '2018-11-02', to: '2018-11-02' });
    await f.run({ from: '2018-11-01', to: '2018-11-01' });
    expect(await f.query('SELECT user_id, level FROM users')).toEqual([{ user_id: 5, level: 'paid' }]);
  });

  test('users with no play are not in users; logged-out events make no user', async () => {
    f.writeDay('2018-11-01', [
      event({ ts: DAY1, userId: '5', page: 'NextSong', song: 'T', artist: 'A', length: 1 }),
      event({ ts: DAY1, userId: '6', page: 'Home' }),
      event({ ts: DAY1, userId: '', page: 'Home', auth: 'Logged Out', firstName: null, lastName: null }),
    ]);
    await f.run();
    expect(await f.query('SELECT user_id FROM users')).toEqual([{ user_id: 5 }]);
  });
});

describe("an artist's variant", () => {
  const variants = [
    song({ song_id: 'S1', artist_id: 'AR1', artist_name: 'Kid', artist_location: '' }),
    song({ song_id: 'S2', artist_id: 'AR1', artist_name: 'Kid featuring Guest', artist_location: 'Detroit, MI', artist_latitude: 42.3, artist_longitude: -83.0 }),
    song({ song_id: 'S3', artist_id: 'AR1', artist_name: 'Kid', artist_location: 'Detroit' }),
    song({ song_id: 'S4', artist_id: 'AR2', artist_name: 'Duo feat. Q', artist_location: 'Paris' }),
    song({ song_id: 'S5', artist_id: 'AR2', artist_name: 'Duo', artist_location: 'Paris' }),
    song({ song_id: 'S6', artist_id: 'AR3', artist_name: ' Solo  Act ', artist_location: '' }),
  ];
  const expected = [
    // Coordinates known wins, and the whole variant comes along.
    { artist_id: 'AR1', name: 'Kid featuring Guest', location: 'Detroit, MI', latitude: 42.3, longitude: -83.0 },
    // Otherwise a location, then the shortest name.
    { artist_id: 'AR2', name: 'Duo', location: 'Paris', latitude: null, longitude: null },
    // Repaired text; an empty location is NULL.
    { artist_id: 'AR3', name: 'Solo Act', location: null, latitude: null, longitude: null },
  ];

  test('follows the documented rule', async () => {
    variants.forEach((v) => f.writeSong(v));
    await f.run();
    expect(await f.query('SELECT * FROM artists ORDER BY artist_id')).toEqual(expected);
  });

  test('is the same whatever order the song files are loaded in', async () => {
    // Load the variants one run at a time, in reverse order.
    for (const v of [...variants].reverse()) {
      f.writeSong(v);
      await f.run();
    }
    expect(await f.query('SELECT * FROM artists ORDER BY artist_id')).toEqual(expected);
  });
});

describe("a song's version", () => {
  // Two versions of a song_id each: songs keeps one, and plays must match that one, not another.
  const versions: [Record<string, unknown>, string][] = [
    [song({ song_id: 'SOV1', artist_id: 'ARZ', artist_name: 'Zeta', title: 'Alpha', duration: 180, year: 0 }), 'SOV1-a'],
    // A known year wins, though "Alpha" and 180 s sort first.
    [song({ song_id: 'SOV1', artist_id: 'ARZ', artist_name: 'Zeta', title: 'Beta', duration: 185, year: 1990 }), 'SOV1-b'],
    // The smaller artist_id wins, though "Aardvark" sorts before "Zed Artist".
    [song({ song_id: 'SOV2', artist_id: 'AR1', artist_name: 'Zed Artist', title: 'Gamma', duration: 200 }), 'SOV2-a'],
    [song({ song_id: 'SOV2', artist_id: 'AR2', artist_name: 'Aardvark', title: 'Gamma', duration: 200 }), 'SOV2-b'],
  ];
  const plays = [
    event({ ts: DAY1, userId: '1', page: 'NextSong', artist: 'Zeta', song: 'Beta', length: 185 }),
    event({ ts: DAY1 + 1, userId: '1', itemInSession: 1, page: 'NextSong', artist: 'Zeta', song: 'Alpha', length: 180 }),
    event({ ts: DAY1 + 2, userId: '1', itemInSession: 2, page: 'NextSong', artist: 'Zed Artist', song: 'Gamma', length: 200 }),
    event({ ts: DAY1 + 3, userId: '1', itemInSession: 3, page: 'NextSong', artist: 'Aardvark', song: 'Gamma', length: 200 }),
  ];
  const expected = {
    songs: [
      { song_id: 'SOV1', title: 'Beta', artist_id: 'ARZ', year: 1990, duration: 185 },
      { song_id: 'SOV2', title: 'Gamma', artist_id: 'AR1', year: 2000, duration: 200 },
    ],
    plays: [
      { song_id: 'SOV1', artist_id: 'ARZ' },
      { song_id: null, artist_id: null },
      { song_id: 'SOV2', artist_id: 'AR1' },
      { song_id: null, artist_id: null },
    ],
  };
  const tables = async () => ({
    songs: await f.query('SELECT song_id, title, artist_id, year, duration FROM songs ORDER BY song_id'),
    plays: await f.query('SELECT song_id, artist_id FROM songplays ORDER BY start_time'),
  });

  test('is the one plays match: a matched play names the song and artist that songs holds', async () => {
    versions.forEach(([v, name]) => f.writeSong(v, name));
    f.writeDay('2018-11-01', plays);
    await f.run();
    expect(await tables()).toEqual(expected);
  });

  test('is the same whatever order the versions are loaded in', async () => {
    for (const [v, name] of [...versions].reverse()) {
      f.writeSong(v, name);
      await f.run();
    }
    f.writeDay('2018-11-01', plays);
    await f.run();
    expect(await tables()).toEqual(expected);
  });
});

describe('song matching', () => {
  test('repairs double-encoded text and stray spaces, tolerates small duration drift, and reports both counts', async () => {
    f.writeSong(song({ song_id: 'SO1', artist_id: 'AR1', artist_name: 'Björk', title: 'Jóga', duration: 305.0 }));
    f.writeSong(song({ song_id: 'SO2', artist_id: 'AR2', artist_name: 'Elena', title: 'Setanta matins', duration: 269.58322 }));
    f.writeDay('2018-11-01', [
      // Exact: matched by both rules.
      event({ ts: DAY1, userId: '1', page: 'NextSong', artist: 'Elena', song: 'Setanta matins', length: 269.58322 }),
      // Double-encoded, spaced, 0.5 s off: only the repaired rule.
      event({ ts: DAY1 + 1, userId: '1', itemInSession: 1, page: 'NextSong', artist: 'Bj\u00c3\u0083\u00c2\u00b6rk', song: ' jóga ', length: 305.5 }),
      // 10 s off: no match.
      event({ ts: DAY1 + 2, userId: '1', itemInSession: 2, page: 'NextSong', artist: 'Björk', song: 'Jóga', length: 315 }),
    ]);
    const { matches } = await f.run();
    expect(matches).toMatchObject({ plays: 3, strictMatches: 1, repairedMatches: 2 });
    expect(await f.query('SELECT song_id, artist_id FROM songplays ORDER BY start_time')).toEqual([
      { song_id: 'SO2', artist_id: 'AR2' },
      { song_id: 'SO1', artist_id: 'AR1' },
      { song_id: null, artist_id: null },
    ]);
  });
});

describe('bad input', () => {
  test('rejected records are kept with file, line and reason; the rest loads', async () => {
    f.writeDay('2018-11-01', [
      event({ ts: DAY1, userId: '1', page: 'NextSong', song: 'T', artist: 'A', length: 1 }),
      event({ ts: DAY1 + 1, userId: '1', itemInSession: 1 }),
      event({ ts: DAY1 + 2, userId: '1', itemInSession: 2 }),
    ]);
    const file = path.join(f.dir, 'data', 'log_data', '2018', '11', '2018-11-01-events.json');
    fs.appendFileSync(file, '\n{"ts": "soon", "page": "Home", "sessionId": 1, "itemInSession": 0, "userId": "1"}\n{not json');
    const { events } = await f.run();
    expect(events).toMatchObject({ recordsRead: 5, recordsStaged: 3, recordsRejected: 2 });
    expect(await f.query('SELECT source_key, source_line, reason FROM etl_rejected_records ORDER BY source_line')).toEqual([
      { source_key: 'log_data/2018/11/2018-11-01-events.json', source_line: 4, reason: expect.stringMatching(/field "ts" should be a whole number, got "soon"/) },
      { source_key: 'log_data/2018/11/2018-11-01-events.json', source_line: 5, reason: expect.stringMatching(/invalid JSON/) },
    ]);
  });

  test('too many rejects fail the stage step without retry, naming where, and still keep them', async () => {
    f.writeDay('2018-11-01', [event({ ts: DAY1, userId: '1', page: 'Home' })]);
    fs.appendFileSync(path.join(f.dir, 'data', 'log_data', '2018', '11', '2018-11-01-events.json'), '\n{oops');
    const a = f.activities;
    const ref = { runId: 'r', source: path.join(f.dir, 'data'), warehouse: f.warehouse };
    await a.createSchema(ref);
    await a.listSourceFiles({ ...ref, window: null });
    const err = await a.stageEvents({ ...ref, maxRejectRate: 0.01 }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: expect.stringMatching(/1 of 2 events records rejected .* log_data\/2018\/11\/2018-11-01-events\.json:2 invalid JSON/),
    });
    expect(await f.query('SELECT COUNT(*) AS n FROM etl_rejected_records')).toEqual([{ n: 1 }]);
  });
});
