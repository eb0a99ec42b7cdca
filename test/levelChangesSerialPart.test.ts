import { createActivities } from '../src/activities';
import { songplaysSerialPartStart } from '../src/activities/publishActivities';
import { Resources } from '../src/activities/resources';
import { songplaysSerialPart } from '../src/activities/songplaysSerialPart';
import { silentLogger } from '../src/log';
import { sqlStatements } from '../src/warehouse/sql';
import type { StatementOptions, Warehouse } from '../src/warehouse/types';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { heldSongplaysPublish } from './support/heldSongplaysPublish';
import { publishedBeforeSongplays } from './support/publishedBeforeSongplays';
import { SAMPLE_DIR } from './harness/temporal';

// On PostgreSQL the run's level-changes query waits for its songplays publish's serial part (the
// inserts that run in one backend) and then runs on no parallel workers; its time publish waits for
// that part too, the publish begun with it or a moment later (src/activities/songplaysSerialPart.ts).
let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

/** A warehouse's `execute` and `queryInTransaction`, watched: the real ones run. */
function watch(warehouse: Warehouse, seen: { beforeStatement: (statements: readonly string[], index: number) => void; settings: string[][] }): void {
  const execute = warehouse.execute.bind(warehouse);
  warehouse.execute = (statements: string | readonly string[], options?: StatementOptions) => {
    const list = typeof statements === 'string' ? [statements] : statements;
    return execute(statements, {
      ...options,
      beforeStatement: (index) => {
        options?.beforeStatement?.(index);
        seen.beforeStatement(list, index);
      },
    });
  };
  const pgWarehouse = warehouse as PostgresWarehouse;
  const queryInTransaction = pgWarehouse.queryInTransaction.bind(pgWarehouse);
  pgWarehouse.queryInTransaction = (setup, sql, options) => {
    seen.settings.push([...setup]);
    return queryInTransaction(setup, sql, options);
  };
}

test("PostgreSQL's execute calls beforeStatement with each statement's index, before the statement runs", async () => {
  const warehouse = new PostgresWarehouse(await createTestDatabase(pg.url, 'before_statement'));
  try {
    const calls: Array<[number, number]> = [];
    await warehouse.execute(['SELECT 1', 'SELECT pg_sleep(0.3)', 'SELECT 2'], { beforeStatement: (index) => calls.push([index, Date.now()]) });
    expect(calls.map(([index]) => index)).toEqual([0, 1, 2]);
    // The third call came after the second statement's sleep, not with the others up front.
    expect(calls[2][1] - calls[1][1]).toBeGreaterThanOrEqual(250);
  } finally {
    await warehouse.close();
  }
});

describe("the level changes and the time publish in the songplays publish's serial part, over the sample on PostgreSQL", () => {
  let resources: Resources;
  let activities: ReturnType<typeof createActivities>;
  const ref = { runId: 'run-serial-part', source: '', warehouse: '' };
  const seen = {
    statementIndex: -1,
    statements: [] as readonly string[],
    settings: [] as string[][],
    onPublishStart: (): void => undefined,
  };

  beforeAll(async () => {
    resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: await createTestDatabase(pg.url, 'serial_part'), defaultSource: SAMPLE_DIR });
    activities = createActivities({ resources, log: silentLogger });
    await publishedBeforeSongplays(activities, ref);
    watch(await resources.warehouse(''), {
      beforeStatement: (statements, index) => {
        seen.statementIndex = index;
        // The publish's statements: loadSongplays runs its late matches after it, in a transaction of their own.
        if (songplaysSerialPartStart(statements) < 0) return;
        seen.statements = statements;
        if (index === 0) seen.onPublishStart();
      },
      settings: seen.settings,
    });
  }, 180_000);
  afterAll(async () => {
    await resources?.close();
  });

  test('loadSongplays lets the query go as its serial part begins, while its transaction still runs', async () => {
    let openedAt: number | undefined;
    let opened: Promise<unknown> | undefined;
    // As the publish's first statement goes out (its gate exists by then), a waiter that records
    // which statement was about to run when the gate opened (a microtask, before that statement's reply).
    seen.onPublishStart = () => {
      opened = songplaysSerialPart(ref.runId).then(() => (openedAt = seen.statementIndex));
    };
    await activities.loadSongplays({ ...ref, durationTolerance: 2 });
    expect(opened).toBeDefined();
    await opened;
    expect(openedAt).toBe(songplaysSerialPartStart(seen.statements));
    expect(openedAt!).toBeLessThan(seen.statements.length - 1);
  }, 60_000);

  test("queryLevelChanges waits for its run's publish to reach that part, then runs on no parallel workers", async () => {
    const alone = await activities.queryLevelChanges({ ...ref, window: null });
    expect(alone.length).toBeGreaterThan(0);
    const { reach, finish, publishing } = heldSongplaysPublish(ref.runId);
    seen.settings.length = 0;
    let queried = false;
    const query = activities.queryLevelChanges({ ...ref, window: null }).then((rows) => {
      queried = true;
      return rows;
    });
    // Over the sample the query takes milliseconds: held by the gate, it has not started.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(queried).toBe(false);
    expect(seen.settings).toEqual([]);
    reach();
    await expect(query).resolves.toEqual(alone);
    expect(seen.settings).toEqual([
      [...sqlStatements('postgres/report_settings', 'postgres'), ...sqlStatements('postgres/one_backend', 'postgres'), ...sqlStatements('postgres/level_changes_settings', 'postgres')],
    ]);
    finish();
    await publishing;
  }, 60_000);

  test('loadTime, started a moment before its run\'s publish begins, publishes once that publish reaches its serial part', async () => {
    let published = false;
    const publishingTime = activities.loadTime(ref).then(() => (published = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { reach, finish, publishing } = heldSongplaysPublish(ref.runId);
    // Over the sample the time publish takes milliseconds: held by the gate, it has not run.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(published).toBe(false);
    reach();
    await publishingTime;
    expect(published).toBe(true);
    finish();
    await publishing;
  }, 60_000);

  test('loadTime whose publish has not begun in this process goes on alone', async () => {
    await expect(activities.loadTime(ref)).resolves.toBeUndefined();
  }, 60_000);
});
