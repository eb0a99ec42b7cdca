/**
 * The audience's platforms and browsers: users with one agent come back from SQL as one count per
 * agent, users with several as a row per agent, and each user still counts once per platform and
 * browser. On DuckDB in process, through the report's own SQL file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarizeUserAgents, type AgentRow } from '../../src/insights/userAgents';
import { windowParams } from '../../src/insights/window';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatement, sqlStatements } from '../../src/warehouse/sql';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0';

let dir: string;
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-agents-'));
  warehouse = await DuckDbWarehouse.open(path.join(dir, 'w.duckdb'));
  await warehouse.execute(sqlStatements('schema/songplays', 'duckdb'));
  // user 1 plays on two agents (Chrome on Windows and on a Mac), users 2 and 3 on one each;
  // user 4 plays outside the window.
  const plays: [number, string, string][] = [
    [1, '2018-11-02 10:00:00', CHROME_WINDOWS],
    [1, '2018-11-02 11:00:00', CHROME_WINDOWS],
    [1, '2018-11-03 10:00:00', CHROME_MAC],
    [2, '2018-11-02 12:00:00', CHROME_WINDOWS],
    [3, '2018-11-04 09:00:00', FIREFOX_MAC],
    [3, '2018-11-04 09:05:00', FIREFOX_MAC],
    [4, '2018-12-01 09:00:00', FIREFOX_MAC],
  ];
  const values = plays.map(([user, at, agent], i) => `('p${i}', TIMESTAMP '${at}', ${user}, 'free', 1, '${agent}')`).join(', ');
  await warehouse.execute(`INSERT INTO songplays (songplay_id, start_time, user_id, level, session_id, user_agent) VALUES ${values}`);
});

afterAll(async () => {
  await warehouse?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a user on two agents of one browser counts once for it, and once for each platform', async () => {
  const sql = sqlStatement('insights/audience_levels', 'duckdb', { ...windowParams({ from: '2018-11-01', to: '2018-11-30' }), limit: 10 });
  const rows: AgentRow[] = (await warehouse.query(sql))
    .filter((r) => r.part === 'agent')
    .map((r) => ({
      userAgent: String(r.label),
      userId: r.user_id === null ? null : Number(r.user_id),
      plays: Number(r.plays),
      users: Number(r.users),
    }));
  // Only the user with two agents comes back by id: the rows grow with agents, not with users.
  expect(rows.filter((r) => r.userId !== null).map((r) => r.userId)).toEqual([1, 1]);
  const { platforms, browsers } = summarizeUserAgents(rows);
  expect(browsers).toEqual([
    { name: 'Chrome', plays: 4, users: 2 },
    { name: 'Firefox', plays: 2, users: 1 },
  ]);
  expect(platforms).toEqual([
    { name: 'macOS', plays: 3, users: 2 },
    { name: 'Windows', plays: 3, users: 2 },
  ]);
});
