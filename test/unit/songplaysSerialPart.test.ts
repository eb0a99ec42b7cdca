import { songplaysSerialPartStart } from '../../src/activities/publishActivities';
import { songplaysSerialPart, songplaysSerialPartOnceStarted, withSongplaysSerialPart } from '../../src/activities/songplaysSerialPart';
import { sqlStatements } from '../../src/warehouse/sql';
import { heldSongplaysPublish } from '../support/heldSongplaysPublish';

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  // A turn of the event loop: every microtask has run by then (a resolved gate's waiter too), no timer.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
};

describe("the songplays publish's serial part, as a gate", () => {
  test('a run without a publish in this process does not wait', async () => {
    expect(await settled(songplaysSerialPart('no-publish'))).toBe(true);
  });

  test("holds the run's waiters until the publish reaches its serial part, and only that run's", async () => {
    const { reach, finish, publishing } = heldSongplaysPublish('run-a');
    const waiting = songplaysSerialPart('run-a');
    expect(await settled(waiting)).toBe(false);
    expect(await settled(songplaysSerialPart('run-b'))).toBe(true);
    reach();
    expect(await settled(waiting)).toBe(true);
    finish();
    await publishing;
  });

  test('lets a waiter go after its longest wait, the publish still before its serial part', async () => {
    let finish!: () => void;
    const publishing = withSongplaysSerialPart('run-d', () => new Promise<void>((resolve) => (finish = resolve)));
    expect(await settled(songplaysSerialPart('run-d'))).toBe(false);
    await songplaysSerialPart('run-d', 20);
    expect(await settled(songplaysSerialPart('run-d'))).toBe(false);
    finish();
    await publishing;
  });

  test('lets its waiters go when the publish fails before its serial part, and is gone after it', async () => {
    let fail!: (err: Error) => void;
    const publishing = withSongplaysSerialPart('run-c', () => new Promise<void>((_, reject) => (fail = reject)));
    const waiting = songplaysSerialPart('run-c');
    expect(await settled(waiting)).toBe(false);
    fail(new Error('publish failed'));
    await expect(publishing).rejects.toThrow('publish failed');
    expect(await settled(waiting)).toBe(true);
    expect(await settled(songplaysSerialPart('run-c'))).toBe(true);
  });
});

describe('waiting for a publish started at the same time (the time publish)', () => {
  test('waits for the publish to begin in this process, then for its serial part', async () => {
    const waiting = songplaysSerialPartOnceStarted('run-e', 60_000);
    expect(await settled(waiting)).toBe(false);
    const { reach, finish, publishing } = heldSongplaysPublish('run-e');
    expect(await settled(waiting)).toBe(false);
    reach();
    expect(await settled(waiting)).toBe(true);
    finish();
    await publishing;
  });

  test('waits for a publish begun before it as songplaysSerialPart does', async () => {
    const { reach, finish, publishing } = heldSongplaysPublish('run-f');
    const waiting = songplaysSerialPartOnceStarted('run-f', 0);
    expect(await settled(waiting)).toBe(false);
    reach();
    expect(await settled(waiting)).toBe(true);
    finish();
    await publishing;
  });

  test('does not wait for a publish that has not begun within its moment (it runs in another process)', async () => {
    await expect(songplaysSerialPartOnceStarted('run-g', 20)).resolves.toBeUndefined();
  });
});

describe('where the serial part begins in the songplays publish', () => {
  const params = { run_id: 'r', duration_tolerance: 2, days: ['2018-11-01'], key_built_after: false, copies_counted: true };

  test('on PostgreSQL: after publish_songplays is written, and every statement from there is an insert, delete or drop (or a setting for the deletes)', () => {
    const statements = sqlStatements('transform/songplays', 'postgres', params);
    const start = songplaysSerialPartStart(statements);
    expect(start).toBeGreaterThan(0);
    const written = statements.findIndex((sql) => /CREATE UNLOGGED TABLE publish_songplays AS/.test(sql));
    expect(written).toBeGreaterThan(0);
    // Between them only the settings that statement had, put back (postgres_setting).
    expect(statements.slice(written + 1, start)).toEqual([
      expect.stringMatching(/^SET LOCAL enable_mergejoin = on$/),
      expect.stringMatching(/^SET LOCAL min_parallel_table_scan_size = DEFAULT$/),
    ]);
    const verbs = statements.slice(start).map((sql) => sql.split('\n').find((line) => !line.startsWith('--'))!.split(' ')[0]);
    expect(verbs.length).toBeGreaterThan(3);
    for (const verb of verbs) expect(['INSERT', 'DELETE', 'DROP', 'SET']).toContain(verb);
    const settings = statements.slice(start).map((sql) => sql.replace(/^(--[^\n]*\n)+/, '')).filter((sql) => sql.startsWith('SET '));
    expect(new Set(settings)).toEqual(new Set(['SET LOCAL enable_seqscan = off', 'SET LOCAL enable_seqscan = on']));
    expect(verbs[0]).toBe('INSERT');
  });

  test("DuckDB's own file has no such table", () => {
    expect(songplaysSerialPartStart(sqlStatements('transform/duckdb/songplays', 'duckdb', params))).toBe(-1);
  });
});
