/**
 * The column checks (sql/checks/*.sql: DuckDB's unique through hashes first, references through a
 * key-only anti-join) report the same failing counts and sample keys on DuckDB, PostgreSQL and
 * Redshift (emulator), and exactly the rows known to be bad.
 */
import { qualityChecks, type CheckDefinition, type CheckRule } from '../src/quality/checks';
import { checkLanes, failingCountSql, failingRowsSql, runCheck, runChecks, uniqueEnforcedByIndex, type RunFacts } from '../src/quality/runner';
import { threeWarehousesInFile } from './support/threeWarehouses';

const SCHEMA = ['songplays', 'users', 'songs', 'artists', 'time'];

// Bad rows on purpose: songplay ids p1 (twice) and p5 (three times) repeated; users 8 and 9
// missing (three plays), a start time missing from time (two plays), a level outside free/paid;
// a user with level 'gold' and one without a level; the time row 00:00:07 twice.
const FIXTURE = [
  "INSERT INTO users (user_id, first_name, level) VALUES (1, 'A', 'free'), (2, NULL, 'paid'), (3, NULL, 'gold'), (4, 'D', NULL)",
  "INSERT INTO time (start_time, hour) VALUES (TIMESTAMP '2018-11-01 00:00:00', 0), (TIMESTAMP '2018-11-01 00:00:01', 0), (TIMESTAMP '2018-11-01 00:00:02', 0), (TIMESTAMP '2018-11-01 00:00:07', 0), (TIMESTAMP '2018-11-01 00:00:07', 0)",
  'INSERT INTO songplays (songplay_id, start_time, user_id, level) VALUES ' +
    [
      "('p1', TIMESTAMP '2018-11-01 00:00:00', 1, 'free')",
      "('p1', TIMESTAMP '2018-11-01 00:00:01', 9, 'free')",
      "('p2', TIMESTAMP '2018-11-01 00:00:02', 8, 'paid')",
      "('p3', TIMESTAMP '2018-11-01 00:00:03', 9, 'free')",
      "('p4', TIMESTAMP '2018-11-01 00:00:03', 2, 'gold')",
      "('p5', TIMESTAMP '2018-11-01 00:00:00', 1, 'free')",
      "('p5', TIMESTAMP '2018-11-01 00:00:00', 1, 'free')",
      "('p5', TIMESTAMP '2018-11-01 00:00:07', 1, 'free')",
    ].join(', '),
];

const facts: RunFacts = {
  runId: 'r1',
  staging: {
    events: { kind: 'events', files: 0, bytes: 0, recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] },
    songs: { kind: 'songs', files: 0, bytes: 0, recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] },
  },
  matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
};

const check = (rule: CheckRule): CheckDefinition => ({ name: `${rule.kind} ${JSON.stringify(rule)}`, severity: 'error', description: 'd', rule });

// Every declared column check, and a few more on the fixture's bad rows.
const CHECKS: CheckDefinition[] = [
  ...qualityChecks().filter((c) => 'column' in c.rule),
  check({ kind: 'references', table: 'songplays', column: 'level', refTable: 'users', refColumn: 'level' }),
  check({ kind: 'unique', table: 'songplays', column: 'user_id' }),
  check({ kind: 'unique', table: 'songplays', column: 'level' }),
  check({ kind: 'not_null', table: 'users', column: 'first_name' }),
];

// PostgreSQL enforces the star tables' keys: its fixture goes into key-less copies of them.
const warehouses = threeWarehousesInFile({
  label: 'checks',
  schema: SCHEMA,
  adaptSchema: (engine, statements) => (engine === 'duckdb' ? statements : statements.map((s) => s.replace(/,\s*PRIMARY KEY \([a-z_]+\)/, ''))),
});

beforeAll(async () => {
  for (const warehouse of Object.values(warehouses)) await warehouse.execute(FIXTURE);
});

async function results(engine: string) {
  const out: Record<string, { failing: number; samples: string[] }> = {};
  for (const c of CHECKS) {
    const r = await runCheck(warehouses[engine], c, facts);
    out[c.name] = { failing: r.failingCount, samples: r.sampleKeys };
  }
  return out;
}

test('each engine reports exactly the known bad rows, the same on all three', async () => {
  const duckdb = await results('duckdb');
  expect(duckdb['songplays.songplay_id unique']).toEqual({ failing: 2, samples: ['p1', 'p5'] });
  expect(duckdb['time.start_time unique']).toEqual({ failing: 1, samples: [expect.stringMatching(/^2018-11-01[ T]00:00:07/)] });
  expect(duckdb['songplays.user_id in users']).toEqual({ failing: 3, samples: ['p1', 'p2', 'p3'] });
  expect(duckdb['songplays.start_time in time']).toEqual({ failing: 2, samples: ['p3', 'p4'] });
  expect(duckdb['songplays.level in (free, paid)']).toEqual({ failing: 1, samples: ['p4'] });
  expect(duckdb['users.level in (free, paid)']).toEqual({ failing: 2, samples: ['3', '4'] });
  expect(duckdb['songplays.songplay_id not null']).toEqual({ failing: 0, samples: [] });
  expect(duckdb[CHECKS[CHECKS.length - 3].name]).toEqual({ failing: 2, samples: ['1', '9'] });
  expect(duckdb[CHECKS[CHECKS.length - 2].name]).toEqual({ failing: 1, samples: ['free'] });
  // 'gold' is a user's level too: every play's level names some user's.
  expect(duckdb[CHECKS[CHECKS.length - 4].name]).toEqual({ failing: 0, samples: [] });
  // Timestamps print differently per engine (T or space): compare them as instants.
  const comparable = (r: typeof duckdb) =>
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'string' && /^2018-11-01[ T]/.test(v) ? new Date(`${v.replace(' ', 'T').replace(/Z?$/, 'Z')}`).toISOString() : v));
  expect(comparable(await results('postgres'))).toBe(comparable(duckdb));
  // The check step's way: PostgreSQL runs two checks at once; the results come back in the checks' order.
  expect(checkLanes(warehouses.postgres)).toBe(2);
  const done: number[] = [];
  const lanes = await runChecks(warehouses.postgres, CHECKS, facts, (n) => done.push(n));
  expect(lanes.map((r) => r.name)).toEqual(CHECKS.map((c) => c.name));
  expect(comparable(Object.fromEntries(lanes.map((r) => [r.name, { failing: r.failingCount, samples: r.sampleKeys }])))).toBe(comparable(duckdb));
  expect(done).toEqual(CHECKS.map((_c, i) => i + 1));
  expect(comparable(await results('redshift'))).toBe(comparable(duckdb));
});

// PostgreSQL answers a unique check from a unique index on the column alone, which no two rows can
// break; any other index (partial, on an expression, on more columns, or left invalid) proves
// nothing, and the check reads the table and still finds the duplicates.
test('PostgreSQL: a unique index on the column alone answers the unique check; any other index does not', async () => {
  const pg = warehouses.postgres;
  await pg.execute([
    'CREATE TABLE uq_pk (k VARCHAR PRIMARY KEY, v VARCHAR, w VARCHAR)',
    "INSERT INTO uq_pk VALUES ('a', 'x', 'x'), ('b', 'x', 'y'), ('c', 'y', 'y')",
    'CREATE UNIQUE INDEX uq_pk_v_w ON uq_pk (v, w)',
    "CREATE UNIQUE INDEX uq_pk_w_partial ON uq_pk (w) WHERE w = 'x'",
    'CREATE UNIQUE INDEX uq_pk_v_expr ON uq_pk ((v || k))',
    'CREATE TABLE uq_plain (k VARCHAR)',
    "INSERT INTO uq_plain VALUES ('a'), ('b')",
    'CREATE UNIQUE INDEX uq_plain_k ON uq_plain (k)',
  ]);
  // A unique index whose build met duplicates stays behind invalid: it enforces nothing.
  await expect(pg.query('CREATE UNIQUE INDEX CONCURRENTLY songplays_user_id_invalid ON songplays (user_id)')).rejects.toThrow(/duplicate|unique/i);
  const enforced = async (table: string, column: string) => uniqueEnforcedByIndex(pg, { kind: 'unique', table, column });
  expect({
    primaryKey: await enforced('uq_pk', 'k'),
    plainUniqueIndex: await enforced('uq_plain', 'k'),
    partOfTwoColumns: await enforced('uq_pk', 'v'),
    partial: await enforced('uq_pk', 'w'),
    fixtureWithoutKeys: await enforced('songplays', 'songplay_id'),
    invalidIndex: await enforced('songplays', 'user_id'),
    duckdb: await uniqueEnforcedByIndex(warehouses.duckdb, { kind: 'unique', table: 'uq_pk', column: 'k' }),
  }).toEqual({ primaryKey: true, plainUniqueIndex: true, partOfTwoColumns: false, partial: false, fixtureWithoutKeys: false, invalidIndex: false, duckdb: false });
  // With the invalid index in place the check still reads the table: users 1 and 9 repeat.
  const r = await runCheck(pg, check({ kind: 'unique', table: 'songplays', column: 'user_id' }), facts);
  expect({ failing: r.failingCount, samples: r.sampleKeys }).toEqual({ failing: 2, samples: ['1', '9'] });
  const pk = await runCheck(pg, check({ kind: 'unique', table: 'uq_pk', column: 'k' }), facts);
  expect({ status: pk.status, failing: pk.failingCount }).toEqual({ status: 'pass', failing: 0 });
});

// A references check counts its failing rows first (one anti-join) and lists keys only when some
// fail: the count is the listing's total on every engine, failing or not.
test('the references count is the failing-row total of the listing, on all three engines', async () => {
  const rules = CHECKS.map((c) => c.rule).filter((r): r is Extract<CheckRule, { kind: 'references' }> => r.kind === 'references');
  expect(rules.length).toBe(3);
  for (const [engine, warehouse] of Object.entries(warehouses)) {
    const counts: Record<string, [number, number]> = {};
    for (const rule of rules) {
      const counted = Number((await warehouse.query(failingCountSql(rule, warehouse.dialect)))[0].failing);
      const listed = await warehouse.query(failingRowsSql(rule, warehouse.dialect));
      counts[`${rule.table}.${rule.column}`] = [counted, listed.length === 0 ? 0 : Number(listed[0].failing)];
    }
    expect({ engine, counts }).toEqual({ engine, counts: { 'songplays.user_id': [3, 3], 'songplays.start_time': [2, 2], 'songplays.level': [0, 0] } });
  }
});
