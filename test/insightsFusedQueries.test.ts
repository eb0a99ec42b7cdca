/**
 * Several report queries share one grouping of the plays (sql/insights/activity_engagement.sql,
 * audience_levels.sql, content_top.sql, and plays per clock hour in activity_by_hour_weekday.sql).
 * Each part must equal what the query it replaced gave, one pass each (test/support/
 * insightDefinitions.ts), on plays built to hit the edge cases: users with plays on both levels at
 * their very last start time (the songplay_id tie-break), sessions across midnight, NULL sessions,
 * levels, locations and agents, users with two agents or locations, plays matched to an artist
 * only, two artist ids of one name, users missing from users, plays outside the window.
 * On DuckDB and PostgreSQL, all data and a window.
 */
import { windowParams } from '../src/insights/window';
import { renderSql, sqlStatement, sqlStatements } from '../src/warehouse/sql';
import type { Row } from '../src/warehouse/types';
import { duckDbAndPostgres } from './support/duckDbAndPostgres';
import { SEPARATE_PLAY_QUERIES } from './support/insightDefinitions';

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lit = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);
const DAY0 = Date.UTC(2018, 10, 1);
const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;

function statements(seed: number): string[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const artists = Array.from({ length: 12 }, (_, i) => [`A${i}`, i === 3 ? null : i === 7 ? 'Artist 2' : `Artist ${i}`] as const);
  const songs = Array.from({ length: 30 }, (_, i) => [`S${i}`, i % 9 === 0 ? 'Same Title' : `Song ${i}`, `A${i % 12}`] as const);
  const users = Array.from({ length: 25 }, (_, i) => i + 1);
  const out = [
    `INSERT INTO artists (artist_id, name) VALUES ${artists.map(([id, name]) => `(${lit(id)}, ${lit(name)})`).join(', ')}`,
    `INSERT INTO songs (song_id, title, artist_id) VALUES ${songs.map(([id, title, artist]) => `(${lit(id)}, ${lit(title)}, ${lit(artist)})`).join(', ')}`,
    // Users 24 and 25 have plays but no users row.
    `INSERT INTO users (user_id, first_name, last_name, level) VALUES ${users
      .filter((u) => u < 24)
      .map((u) => `(${u}, ${lit(`First${u}`)}, ${u % 5 === 0 ? 'NULL' : lit(`Last${u}`)}, ${lit(pick(['free', 'paid']))})`)
      .join(', ')}`,
  ];
  const plays: string[] = [];
  const play = (user: number, at: number, level: string | null) => {
    const r = next();
    const song = r < 0.65 ? pick(songs) : null;
    const artist = song ? (next() < 0.9 ? song[2] : pick(artists)[0]) : r < 0.8 ? pick(artists)[0] : null;
    const session = next() < 0.05 ? null : 100 * user + Math.floor(next() * 4);
    const location = next() < 0.05 ? null : user % 4 === 0 && next() < 0.3 ? 'Second Town' : `Town ${user % 6}`;
    const agent = next() < 0.05 ? null : user % 3 === 0 && next() < 0.3 ? 'Mozilla/5.0 (Windows NT 6.1) Firefox/31.0' : `Mozilla/5.0 (Macintosh) Chrome/${user % 4}`;
    plays.push(`('p${plays.length}', ${ts(at)}, ${user}, ${lit(level)}, ${lit(song?.[0] ?? null)}, ${lit(artist)}, ${lit(session)}, ${lit(location)}, ${lit(agent)})`);
  };
  for (let i = 0; i < 2500; i++) {
    const user = pick(users);
    // 6 days, 30 minutes around each midnight included, at whole minutes: equal start times happen.
    const at = DAY0 + Math.floor(next() * 6 * 24 * 60) * 60_000;
    const level = next() < 0.03 ? null : next() < 0.15 ? pick(['free', 'paid']) : user % 2 === 0 ? 'paid' : 'free';
    play(user, at, level);
  }
  // Users 1-6: a last play on each level at the same start time, after all their others.
  for (const user of [1, 2, 3, 4, 5, 6]) {
    const last = DAY0 + 6 * 86_400_000 + user * 60_000;
    play(user, last, 'free');
    play(user, last, 'paid');
    if (user % 2 === 0) play(user, last, 'paid');
  }
  for (let i = 0; i < plays.length; i += 500) {
    out.push(
      `INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent) VALUES ${plays.slice(i, i + 500).join(', ')}`,
    );
  }
  return out;
}

const plain = (rows: Row[], columns: string[]) =>
  rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] === null || r[c] === undefined ? null : typeof r[c] === 'string' && !/^-?\d+(\.\d+)?$/.test(String(r[c])) ? r[c] : Number(r[c])])));

const ENGINES = duckDbAndPostgres('fused_queries');

describe.each(ENGINES)('fused report queries on %s', (_engine, open) => {
  test.each([
    ['all data', null],
    ['a window of three days', { from: '2018-11-02', to: '2018-11-04' }],
  ])('each part equals the separate query it replaced (%s)', async (_label, window) => {
    const warehouse = await open();
    try {
      for (const table of ['songplays', 'songs', 'artists', 'users']) await warehouse.execute(sqlStatements(`schema/${table}`, warehouse.dialect));
      await warehouse.execute(statements(17));
      const params = { ...windowParams(window), limit: 5 };
      const query = (name: string) => warehouse.query(sqlStatement(`insights/${name}`, warehouse.dialect, params));
      const definition = (name: string) => warehouse.query(renderSql(SEPARATE_PLAY_QUERIES[name], warehouse.dialect, params));
      const part = (rows: Row[], name: string) => rows.filter((r) => r.part === name);

      const activity = await query('activity_engagement');
      const dailyColumns = ['day', 'plays', 'active_users', 'matched_plays', 'paid_plays', 'free_plays', 'paid_users', 'free_users'];
      expect(plain(part(activity, 'day'), dailyColumns)).toEqual(plain(await definition('activity_daily'), dailyColumns));
      const engagementColumns = ['part', 'bucket', 'plays_bucket', 'n', 'plays', 'max_plays', 'user_id', 'first_name', 'last_name', 'level'];
      const engagement = activity.filter((r) => r.part !== 'day');
      expect(plain(engagement, engagementColumns)).toEqual(plain(await definition('engagement'), engagementColumns));
      expect(part(engagement, 'top').some((r) => r.first_name === null)).toBe(true);

      const hourColumns = ['hour', 'weekday', 'plays'];
      expect(plain(await query('activity_by_hour_weekday'), hourColumns)).toEqual(plain(await definition('activity_by_hour_weekday'), hourColumns));

      const audience = await query('audience_levels');
      const rename = (rows: Row[], label: string) => rows.map((r) => ({ ...r, [label]: r.label }));
      expect(plain(rename(part(audience, 'location'), 'location'), ['location', 'plays', 'users'])).toEqual(
        plain(await definition('audience_locations'), ['location', 'plays', 'users']),
      );
      const agentColumns = ['user_agent', 'user_id', 'plays', 'users'];
      expect(plain(rename(part(audience, 'agent'), 'user_agent'), agentColumns)).toEqual(plain(await definition('audience_user_agents'), agentColumns));
      const levels = await definition('revenue_level_share');
      expect(plain(rename(part(audience, 'level'), 'level'), ['level', 'plays', 'users'])).toEqual(plain(levels, ['level', 'plays', 'users']));

      const content = await query('content_top');
      const songColumns = ['song_id', 'title', 'artist_name', 'plays', 'listeners'];
      expect(plain(part(content.map((r) => ({ ...r, part: r.list })), 'song'), songColumns)).toEqual(plain(await definition('content_top_songs'), songColumns));
      const artistColumns = ['artist_id', 'artist_name', 'plays', 'listeners'];
      expect(plain(part(content.map((r) => ({ ...r, part: r.list })), 'artist'), artistColumns)).toEqual(
        plain(await definition('content_top_artists'), artistColumns),
      );

      // The data has what the fused parts must get right.
      if (window === null) {
        const tied = await warehouse.query(
          `SELECT COUNT(*) AS users FROM (SELECT p.user_id FROM songplays p JOIN (SELECT user_id, MAX(start_time) AS t FROM songplays GROUP BY user_id) l ON l.user_id = p.user_id AND l.t = p.start_time GROUP BY p.user_id HAVING COUNT(DISTINCT p.level) > 1) x`,
        );
        expect(Number(tied[0].users)).toBe(6);
        expect(levels.reduce((s, r) => s + Number(r.users), 0)).toBe(25);
      }
      expect(part(audience, 'agent').some((r) => r.user_id !== null)).toBe(true);
      expect(part(engagement, 'session').length).toBeGreaterThan(3);
    } finally {
      await warehouse.close();
    }
  });
});
