/**
 * sql/insights/revenue_level_changes.sql orders each user's day-level spans instead of every event
 * (and every event only on days where levels interleave). Here it must give exactly what the
 * plain definition gives — every distinct event in order, LAG of its level — on events built to
 * hit the edge cases: levels interleaving within a day, equal timestamps on two levels, NULL
 * levels, items and sessions, events staged twice (also Submit events), blank users, events
 * before and after the window, copies whose user id is spaced or zero-padded. On DuckDB and PostgreSQL, all data and a window.
 */
import { renderSql, sqlStatement, sqlStatements } from '../src/warehouse/sql';
import type { Row, Warehouse } from '../src/warehouse/types';
import { windowParams } from '../src/insights/window';
import { duckDbAndPostgres } from './support/duckDbAndPostgres';
import { attachStagingPartitions } from './support/stagingPartitions';

/**
 * The definition: the distinct events (up to the window's end) in order per user — ts, item in
 * session, session, then level for events equal in all three (the order the old query's sort
 * gave them) — and each one's previous level. Test-only: the query under test must match it.
 */
const DEFINITION = `
WITH events AS (
  SELECT DISTINCT CAST(TRIM(userid) AS INTEGER) AS user_id, ts, iteminsession, sessionid, level, page
  FROM staging_events
  WHERE TRIM(userid) <> '' AND ts IS NOT NULL AND ts < {{to_ms}}
),
ordered AS (
  SELECT ts, level, page, LAG(level) OVER (PARTITION BY user_id ORDER BY ts, iteminsession, sessionid, level) AS previous_level
  FROM events
)
SELECT day,
       SUM(CASE WHEN previous_level = 'free' AND level = 'paid' THEN 1 ELSE 0 END) AS level_upgrades,
       SUM(CASE WHEN previous_level = 'paid' AND level = 'free' THEN 1 ELSE 0 END) AS level_downgrades,
       SUM(CASE WHEN page = 'Submit Upgrade' THEN 1 ELSE 0 END) AS submit_upgrades,
       SUM(CASE WHEN page = 'Submit Downgrade' THEN 1 ELSE 0 END) AS submit_downgrades
FROM (
  SELECT CAST(CAST({{epoch_ms_to_timestamp(ts)}} AS DATE) AS VARCHAR) AS day, level, previous_level, page
  FROM ordered
  WHERE ts >= {{from_ms}} AND ts < {{to_ms}}
) e
GROUP BY day
ORDER BY day`;

/** Test-only: users with events before the window, and those whose last ts there has two levels. */
const LAST_EVENTS_BEFORE = `
WITH before AS (
  SELECT CAST(TRIM(userid) AS INTEGER) AS user_id, ts, level
  FROM staging_events
  WHERE TRIM(userid) <> '' AND ts IS NOT NULL AND ts < {{from_ms}}
),
last_levels AS (
  SELECT b.user_id, COUNT(DISTINCT COALESCE(b.level, '(none)')) AS levels
  FROM before b
  JOIN (SELECT user_id, MAX(ts) AS ts FROM before GROUP BY user_id) l ON l.user_id = b.user_id AND l.ts = b.ts
  GROUP BY b.user_id
)
SELECT COUNT(*) AS users, SUM(CASE WHEN levels > 1 THEN 1 ELSE 0 END) AS tied FROM last_levels`;

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

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2018, 10, 1);

type Event = [userid: string, ts: number | null, item: number | null, session: number | null, level: string | null, page: string];

/**
 * Users on a level per day (now and then none), some events on another level (so a day's levels
 * interleave), on 8 days; 40 minutes per day, so equal timestamps happen; every 15th event staged
 * again from another file (two times in three with its user id spaced differently or zero-padded).
 */
function events(seed: number, count: number): Event[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const users = ['1', '2', '3', '4', ' 5 ', '6', ''];
  const schedule = new Map(users.flatMap((u) => Array.from({ length: 8 }, (_, d) => [`${u}/${d}`, pick(['free', 'paid', 'paid', 'free', 'free', null])] as const)));
  const out: Event[] = [];
  for (let i = 0; i < count; i++) {
    const user = pick(users);
    const day = Math.floor(next() * 8);
    const ts = next() < 0.01 ? null : DAY0 + day * DAY_MS + Math.floor(next() * 40) * 60_000;
    const item = next() < 0.05 ? null : Math.floor(next() * 3);
    const session = next() < 0.05 ? null : 100 + Math.floor(next() * 2);
    const level = next() < 0.02 ? pick(['free', 'paid', null]) : schedule.get(`${user}/${day}`)!;
    const page = pick(['NextSong', 'NextSong', 'Home', 'Submit Upgrade', 'Submit Downgrade']);
    const event: Event = [user, ts, item, session, level, page];
    out.push(event);
    // A copy with its user id spaced differently or zero-padded: still the same user's same event.
    const copyId = [user, ` ${user}`, user.trim() === '' ? user : `00${user.trim()}`][(i / 15) % 3];
    if (i % 15 === 0) out.push([copyId, ...event.slice(1)] as Event);
  }
  return out;
}

const literal = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);

async function load(warehouse: Warehouse, rows: Event[]): Promise<void> {
  await warehouse.execute(sqlStatements('schema/staging_events', warehouse.dialect));
  await attachStagingPartitions(warehouse, 'run-1');
  const values = rows.map(
    ([userid, ts, item, session, level, page], i) =>
      `('run-1', 'log_data/${i % 2}.json', ${i + 1}, ${literal(userid)}, ${literal(ts)}, ${literal(item)}, ${literal(session)}, ${literal(level)}, ${literal(page)})`,
  );
  for (let i = 0; i < values.length; i += 500) {
    await warehouse.execute(
      `INSERT INTO staging_events (run_id, source_key, source_line, userid, ts, iteminsession, sessionid, level, page) VALUES ${values.slice(i, i + 500).join(', ')}`,
    );
  }
}

const plain = (rows: Row[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'day' ? String(v) : Number(v)])));

const ENGINES = duckDbAndPostgres('level_changes');

describe.each(ENGINES)('revenue_level_changes on %s', (_engine, open) => {
  test.each([
    ['all data', null, 8],
    ['a window of three days', { from: '2018-11-03', to: '2018-11-05' }, 3],
    ['the last day, after the others', { from: '2018-11-08', to: '2018-11-08' }, 1],
    ['a day between others', { from: '2018-11-06', to: '2018-11-06' }, 1],
  ])('equals the definition over every event in order (%s)', async (_label, window, windowDays) => {
    const warehouse = await open();
    try {
      await load(warehouse, [...events(7, 2000), ...events(11, 2000)]);
      const params = { ...windowParams(window), limit: 10 };
      const want = plain(await warehouse.query(renderSql(DEFINITION, warehouse.dialect, params)));
      const got = plain(await warehouse.query(sqlStatement('insights/revenue_level_changes', warehouse.dialect, params)));
      expect(got).toEqual(want);
      // The data really has what the spans must get right: changes, and interleaved days.
      expect(want.reduce((s, r) => s + Number(r.level_upgrades) + Number(r.level_downgrades), 0)).toBeGreaterThan(20);
      expect(want.reduce((s, r) => s + Number(r.submit_upgrades), 0)).toBeGreaterThan(20);
      expect(want.length).toBe(windowDays);
      // Before a window, only each user's last event counts: on one level, or on two at one ts
      // (tied), which the query reads again one by one. The data has both.
      if (window) {
        const [last] = await warehouse.query(renderSql(LAST_EVENTS_BEFORE, warehouse.dialect, params));
        expect(Number(last.users)).toBeGreaterThan(Number(last.tied));
        expect(Number(last.tied)).toBeGreaterThan(0);
      }
      const days = await warehouse.query(
        `SELECT COUNT(DISTINCT level) AS levels, COUNT(*) AS user_days FROM (SELECT CAST(TRIM(userid) AS INTEGER) AS u, FLOOR(ts / ${DAY_MS}.0) AS d, level FROM staging_events WHERE ts IS NOT NULL AND TRIM(userid) <> '' GROUP BY 1, 2, 3) x GROUP BY u, d`,
      );
      expect(days.some((r) => Number(r.levels) > 1)).toBe(true);
      expect(days.some((r) => Number(r.levels) === 1)).toBe(true);
    } finally {
      await warehouse.close();
    }
  });
});
