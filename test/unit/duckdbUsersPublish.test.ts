import { usersDays } from '../../src/activities/publishActivities';
import { sqlStatements } from '../../src/warehouse/sql';
import { inMemoryDuckDbPerTest } from '../support/duckdbInMemory';
import { hashedTables, scannedTables, type DuckDbPlanNode } from '../support/duckdbPlans';

/**
 * The users publish (sql/transform/users.sql) on DuckDB. Its second pass over staging once joined
 * every event to the candidates and, in the same statement, to the run's repaired texts: DuckDB held
 * all three hash tables in its pool while every event streamed past, and at 8M events spilled out
 * of the worker's 128 MiB (9 s of the step; docs/performance-log.md). The pass now hashes the
 * candidates alone, and the names are repaired from the texts a repair changes, on the few events
 * the pass keeps.
 */
const RUN = 'r1';
const DAY = '2018-11-01';
const LOG = `log_data/2018/11/${DAY}-events.json`;
const PARAMS = { run_id: RUN, ...usersDays([DAY]) };
const SCHEMA = ['schema/staging_events', 'schema/users', 'schema/etl_tables'] as const;
const COLUMNS = '(run_id, source_key, source_line, userid, firstname, lastname, gender, level, page, sessionid, iteminsession, ts)';
const T0 = Date.UTC(2018, 10, 1);
const TEXTS = ['etl_text_repairs', 'publish_name_changes'];

const named = (tables: string[], names: readonly string[]) => tables.filter((t) => names.some((name) => t === name || t.endsWith(`.${name}`)));

describe('DuckDB users publish', () => {
  const db = inMemoryDuckDbPerTest(SCHEMA, (fresh) =>
    fresh.run(`INSERT INTO etl_run_files (run_id, kind, source_key, etag, size) VALUES ('${RUN}', 'events', '${LOG}', 'e', 1)`),
  );
  const { rows } = db;

  test('the pass over staging hashes the candidates alone; no statement hashes them with the texts', async () => {
    // 20,000 events of 2,000 users, 10 each, and 10,000 repaired texts of which every other one
    // changes: DuckDB chooses what to hash by estimated size, so the tables need sizes like a run's.
    await db.run(`INSERT INTO staging_events ${COLUMNS}
      SELECT '${RUN}', '${LOG}', i + 1, CAST(i % 2000 AS VARCHAR), 'First ' || (i % 5000), 'Last ' || (i % 5000), 'F',
             'free', 'NextSong', i % 2000, i / 2000, ${T0} + i * 1000
      FROM range(20000) AS t(i)`);
    await db.run(`INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key)
      SELECT '${RUN}', 'text', kind || ' ' || i, CASE WHEN i % 2 = 0 THEN kind || ' ' || i ELSE kind || '  ' || i END, lower(kind) || i
      FROM range(5000) AS t(i), (VALUES ('First'), ('Last')) AS k(kind)`);
    await db.run('BEGIN');
    let passes = 0;
    for (const s of sqlStatements('transform/users', 'duckdb', PARAMS)) {
      if (/^(CREATE|INSERT)\b/m.test(s)) {
        const [plan] = await rows(`EXPLAIN (FORMAT JSON) ${s}`);
        const nodes = JSON.parse(String(plan.explain_value)) as DuckDbPlanNode[];
        const hashed = nodes.flatMap(hashedTables);
        const read = nodes.flatMap(scannedTables);
        if (named(hashed, ['publish_run_users']).length > 0) {
          expect(named(hashed, TEXTS)).toEqual([]);
          if (named(read, ['staging_events']).length > 0) passes += 1;
        }
      }
      await db.run(s);
    }
    await db.run('COMMIT');
    expect(passes).toBe(1);
    expect(await rows('SELECT COUNT(*) AS users FROM users')).toEqual([{ users: '2000' }]);
  });

  test('a user gets the names of their latest named event, repaired where a repair changes them', async () => {
    const event = (line: number, user: string, first: string | null, last: string | null, item: number) =>
      `('${RUN}', '${LOG}', ${line}, '${user}', ${first === null ? 'NULL' : `'${first}'`}, ${last === null ? 'NULL' : `'${last}'`}, 'F', 'free', 'NextSong', 1, ${item}, ${T0 + item * 1000})`;
    await db.run(`INSERT INTO staging_events ${COLUMNS} VALUES
      ${event(1, '7', 'Old', 'Name', 0)}, ${event(2, '7', 'Ann', 'LeeÃ©', 1)}, ${event(3, '7', null, null, 2)},
      ${event(4, '8', 'Bob', 'Ray', 0)}, ${event(5, '9', ' Cy', 'Fox ', 0)}`);
    await db.run(`INSERT INTO etl_text_repairs (run_id, kind, raw, repaired, match_key) VALUES
      ('${RUN}', 'text', 'Ann', 'Ann', 'ann'), ('${RUN}', 'text', 'LeeÃ©', 'Leeé', 'leee'),
      ('${RUN}', 'text', 'Bob', 'Bob', 'bob'), ('${RUN}', 'text', 'Ray', 'Ray', 'ray'),
      ('${RUN}', 'text', ' Cy', 'Cy', 'cy'), ('${RUN}', 'text', 'Fox ', 'Fox', 'fox'),
      ('${RUN}', 'user_agent', 'Ann', 'Not a name', 'x')`);
    for (const s of sqlStatements('transform/users', 'duckdb', PARAMS)) await db.run(s);
    expect(await rows('SELECT user_id, first_name, last_name FROM users ORDER BY user_id')).toEqual([
      { user_id: 7, first_name: 'Ann', last_name: 'Leeé' },
      { user_id: 8, first_name: 'Bob', last_name: 'Ray' },
      { user_id: 9, first_name: 'Cy', last_name: 'Fox' },
    ]);
  });
});
