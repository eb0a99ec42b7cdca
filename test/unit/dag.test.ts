/**
 * The ETL DAG's declared data dependencies (src/etl/dag.ts) against the truth: the tables each
 * step's sql/ files name, and the order etlRun really runs its steps in (recorded from a run with
 * mocked activities).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LATE_MATCH_WRITES, PUBLISH_TRANSFORMS } from '../../src/activities/publishActivities';
import { stagedDataChecks } from '../../src/activities/stagedChecks';
import { ETL_DAG, type StepTables, type Table } from '../../src/etl/dag';
import { qualityChecks, type CheckDefinition } from '../../src/quality/checks';
import { ETL_STEPS, etlRun } from '../../src/workflows/etl';
import { dependencyProblems, stagesOrder, type RanBefore } from './support/dagCheck';
import { MATCHES, MockActivities } from './support/mockActivities';
import { IDENT_PREFIX, SQL_DIR, sqlFileTables } from './support/sqlTables';
import { startWorkflowEnv } from './support/workflowEnv';

const DAG: Record<string, StepTables> = ETL_DAG;
const STEPS = Object.keys(DAG);

/** The attempt fence's files and table: every fenced write runs them, whatever the step. */
const FENCE_FILE = /^etl\/(?:postgres\/)?fence_/;
const FENCE_TABLE = 'etl_attempt_fence';

/**
 * The engine's catalog, which createSchema reads (sql/catalog/table_columns.sql), and on PostgreSQL
 * the partitions of staging_events are looked up in (sql/postgres/*_staging*.sql), and the whole
 * table's statistics (sql/staging/postgres/whole_staging_statistics.sql): no step writes it.
 */
const CATALOG = ['information_schema', 'pg_class', 'pg_inherits', 'pg_stat_all_tables', 'pg_statistic'];
/**
 * The staging_events a release before schema version 3 built, set aside and dropped by createSchema
 * in one transaction (sql/postgres/unpartitioned_staging_*.sql): staging_events under another name.
 */
const SET_ASIDE_STAGING = 'staging_events_unpartitioned';

/** sql/ files no step of etlRun runs, and who does. */
const OUTSIDE_THE_DAG: Record<string, string> = {
  'ledger/exists': 'loadedDates (backfill --only-missing)',
  'ledger/loaded_events': 'loadedDates (backfill --only-missing)',
  'ledger/rules_exist': 'loadedDates (backfill --only-missing, --only-stale)',
  'ledger/event_rules_versions': 'loadedDates (backfill --only-missing, --only-stale)',
  'etl/record_failed_run': 'recordFailedRun (a run that fails once it has staged: src/workflows/etl.ts)',
  'etl/record_report_error': 'recordReportError (a report that was not written: src/workflows/etl.ts)',
};
/** Folders of sql/ that are the pipeline's (bench/ and doctor/ are tooling). */
const PIPELINE_SQL = /^(etl|ledger|schema|staging|stats|transform|insights|checks)\//;

function sqlFiles(): string[] {
  return (fs.readdirSync(SQL_DIR, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.split(path.sep).join('/').replace(/\.sql$/, ''))
    .sort();
}

function filesOf(step: StepTables): string[] {
  const all = sqlFiles();
  return step.sql.flatMap((entry) => (entry.endsWith('/*') ? all.filter((f) => f.startsWith(entry.slice(0, -1)) && !f.slice(entry.length - 1).includes('/')) : [entry]));
}

const sorted = (tables: Iterable<string>) => [...new Set(tables)].sort();

function checkTables(checks: CheckDefinition[], field: 'table' | 'refTable'): string[] {
  return sorted(checks.flatMap(({ rule }) => (field in rule ? [(rule as Record<string, string>)[field]] : [])));
}

describe('each step declares the tables its SQL names', () => {
  test("the workflow's progress steps are the declared ones, in DAG order (checkStagedData has no progress entry)", () => {
    expect(ETL_STEPS).toEqual([
      'createSchema',
      'listEventFiles',
      'listSongFiles',
      'stageEvents',
      'stageSongs',
      'repairText',
      'loadSongs',
      'loadArtists',
      'loadUsers',
      'loadTime',
      'loadSongplays',
      'queryLevelChanges',
      'runQualityChecks',
      'summarizeRun',
      'writeReport',
    ]);
    expect(STEPS.filter((s) => !(ETL_STEPS as string[]).includes(s))).toEqual(['checkStagedData']);
  });

  test.each(STEPS)('%s', (name) => {
    const step = DAG[name];
    const files = filesOf(step);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect({ file: `sql/${f}.sql`, exists: fs.existsSync(path.join(SQL_DIR, `${f}.sql`)) }).toEqual({ file: `sql/${f}.sql`, exists: true });
    const tables = files.map(sqlFileTables);
    // Temporary tables and views are the step's own scratch space, wherever in its files they are created.
    const scratch = new Set([...tables.flatMap((t) => t.temporary), FENCE_TABLE, ...CATALOG, SET_ASIDE_STAGING]);
    // A `{{ident:param}}` table is what the step declares it passes (or the adapter's own: none of the pipeline's).
    const resolve = (table: string): string[] => {
      if (!table.startsWith(IDENT_PREFIX)) return [table];
      const bound = step.idents?.[table.slice(IDENT_PREFIX.length)];
      return bound === 'adapter' ? [] : [...(bound ?? [`{{ident:${table.slice(IDENT_PREFIX.length)}}} (not declared in idents)`])];
    };
    const named = (kind: 'reads' | 'writes') => sorted(tables.flatMap((t) => t[kind]).filter((t) => !scratch.has(t)).flatMap(resolve));
    expect({ step: name, reads: named('reads'), writes: named('writes') }).toEqual({
      step: name,
      reads: sorted([...step.reads, ...(step.readsEarlierRuns ?? []), ...(step.readsOwnRows ?? []), ...Object.keys(step.notRead ?? {})]),
      writes: sorted([...step.writes, ...(step.clears ?? [])]),
    });
  });

  test('each publish step runs its declared transform and locks the tables it declares it writes', () => {
    for (const [step, file] of Object.entries(PUBLISH_TRANSFORMS)) expect({ step, sql: DAG[step].sql }).toEqual({ step, sql: expect.arrayContaining([file]) });
    // The locks as they were listed by hand before they came from the declaration.
    expect(Object.fromEntries(Object.keys(PUBLISH_TRANSFORMS).map((s) => [s, sorted(DAG[s].writes)]))).toEqual({
      loadSongs: ['etl_song_file_songs', 'etl_song_keys', 'songs'],
      loadArtists: ['artists', 'etl_song_file_artists'],
      loadUsers: ['etl_user_log_dates', 'etl_user_logs', 'etl_user_state', 'users'],
      loadTime: ['etl_cross_day_times', 'time'],
      loadSongplays: ['etl_cross_day_plays', 'etl_load_ledger', 'etl_match_stats', 'etl_play_names', 'etl_songplay_names', 'etl_unmatched_plays', 'songplays'],
    });
    // loadSongplays' late matches (sql/transform/unmatched_plays.sql), after its publish, lock tables it declares.
    expect(DAG.loadSongplays.writes).toEqual(expect.arrayContaining([...LATE_MATCH_WRITES]));
  });

  test('the check steps pass sql/checks/ the tables their checks name (src/quality/checks.ts)', () => {
    const passed = (step: StepTables, param: string) => sorted((step.idents?.[param] as Table[] | undefined) ?? []);
    const all = qualityChecks({ matchRateWarnBelow: 0.5, failOnEmpty: true });
    expect(passed(DAG.runQualityChecks, 'table')).toEqual(checkTables(all, 'table'));
    expect(passed(DAG.runQualityChecks, 'ref_table')).toEqual(checkTables(all, 'refTable'));
    expect(passed(DAG.checkStagedData, 'table')).toEqual(checkTables(stagedDataChecks({ failOnEmpty: true }), 'table'));
  });

  test("every pipeline file in sql/ is some step's (or named as run outside etlRun)", () => {
    const claimed = new Set(STEPS.flatMap((s) => filesOf(DAG[s])));
    const unclaimed = sqlFiles().filter((f) => PIPELINE_SQL.test(f) && !FENCE_FILE.test(f) && !claimed.has(f) && !(f in OUTSIDE_THE_DAG));
    expect(unclaimed).toEqual([]);
  });

  test('no table is read by a step but written by none (a dependency nobody meets)', () => {
    const written = new Set(STEPS.flatMap((s) => DAG[s].writes));
    const read = STEPS.flatMap((s) => DAG[s].reads.map((t) => `${s} reads ${t}`));
    expect(read.filter((r) => !written.has(r.split(' reads ')[1] as Table))).toEqual([]);
  });
});

/** The publishes etlRun runs at once (loadSongplays after loadSongs, whose song keys it matches). */
const BESIDE_SONGPLAYS = ['loadSongplays', 'loadArtists', 'loadUsers', 'loadTime'] as const;

describe('the order etlRun runs its steps in keeps the declared dependencies', () => {
  let order: RanBefore;

  beforeAll(async () => {
    const env = await startWorkflowEnv();
    try {
      // The publishes that run beside loadSongplays are held until all of them have started, so the
      // history shows them at once (mocks that return at once could end before it is scheduled).
      const mocks: MockActivities = new MockActivities(
        Object.fromEntries(
          BESIDE_SONGPLAYS.map((name) => [
            name,
            async () => {
              await mocks.changed.until(`${BESIDE_SONGPLAYS.join(', ')} to run at once`, () => BESIDE_SONGPLAYS.every((b) => mocks.started(b)));
              if (name !== 'loadSongplays') return undefined;
              // …and the level changes, queried once users and time are published, beside it.
              await mocks.changed.until('queryLevelChanges to start beside loadSongplays', () => mocks.started('queryLevelChanges'));
              return MATCHES;
            },
          ]),
        ),
      );
      const workflowId = `unit-dag-${randomUUID()}`;
      await env.withWorker(mocks.activities(), (taskQueue) =>
        env.client.workflow.execute(etlRun, {
          taskQueue,
          workflowId,
          args: [{ source: '/data', warehouse: 'duckdb:/tmp/w.duckdb', window: { from: '2018-11-01', to: '2018-11-01' } }],
        }),
      );
      // The order is the history's, not the mocks' timing: a step ran before another when it
      // completed before the workflow scheduled the other; steps scheduled together run at once.
      const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const scheduled = new Map<string, number>();
      const completed = new Map<string, number>();
      const nameOf = new Map<string, string>();
      events.forEach((e, i) => {
        const s = e.activityTaskScheduledEventAttributes;
        if (s) {
          nameOf.set(String(e.eventId), s.activityType!.name!);
          scheduled.set(s.activityType!.name!, i);
        }
        const c = e.activityTaskCompletedEventAttributes;
        if (c) completed.set(nameOf.get(String(c.scheduledEventId))!, i);
      });
      expect(sorted(scheduled.keys())).toEqual(sorted(STEPS));
      expect(sorted(completed.keys())).toEqual(sorted(STEPS));
      order = (a, b) => completed.get(a)! < scheduled.get(b)!;
    } finally {
      await env.stop();
    }
  });

  test('every step runs after the steps that write what it reads, and nothing writes what it reads while it runs', () => {
    expect(dependencyProblems(DAG, order)).toEqual([]);
    // The recorded order is a real one: the parallel branches did run at once.
    expect(order('loadSongs', 'loadArtists') || order('loadArtists', 'loadSongs')).toBe(false);
    expect(order('loadSongs', 'loadSongplays')).toBe(true);
    // The time publish starts with the songplays publish (on PostgreSQL it waits for the latter's serial part).
    expect(order('loadSongs', 'loadTime')).toBe(true);
    for (const step of [...BESIDE_SONGPLAYS.filter((s) => s !== 'loadSongplays'), 'queryLevelChanges']) {
      expect({ step, beforeSongplays: order(step, 'loadSongplays'), afterSongplays: order('loadSongplays', step) }).toEqual({ step, beforeSongplays: false, afterSongplays: false });
    }
    expect(['loadUsers', 'loadTime', 'summarizeRun'].map((step) => order(step, 'queryLevelChanges'))).toEqual([true, true, false]);
  });

  test('publishes that run at once write different tables: their table locks (PostgreSQL) never meet, nor their writes (Redshift)', () => {
    const publishes = Object.keys(PUBLISH_TRANSFORMS);
    const clashes = publishes.flatMap((a) =>
      publishes
        .filter((b) => a < b && !order(a, b) && !order(b, a))
        .flatMap((b) => DAG[a].writes.filter((t) => DAG[b].writes.includes(t)).map((t) => `${a} and ${b} both write ${t}`)),
    );
    expect(clashes).toEqual([]);
    // The same check with songplays still deleting times itself: it meets loadTime.
    const withTimeCleanUp = publishes.filter((p) => p !== 'loadSongplays' && !order(p, 'loadSongplays') && !order('loadSongplays', p) && DAG[p].writes.includes('time'));
    expect(withTimeCleanUp).toEqual(['loadTime']);
  });

  test('the recorded order fails the declarations songplays had when it ran after the loads: users read plays, songplays deleted times', () => {
    const earlier: Record<string, StepTables> = {
      ...DAG,
      loadUsers: { ...DAG.loadUsers, readsEarlierRuns: [...(DAG.loadUsers.readsEarlierRuns ?? []), 'songplays'] },
      loadSongplays: { ...DAG.loadSongplays, writes: [...DAG.loadSongplays.writes, 'time'] },
    };
    expect(dependencyProblems(earlier, order).sort()).toEqual([
      'loadTime reads time while loadSongplays writes it',
      'loadUsers reads songplays while loadSongplays writes it',
    ]);
  });

  test("the recorded order fails loadTime keeping cross-day times by songplays' list of cross-day plays, which loadSongplays writes beside it", () => {
    const loadTime: StepTables = { ...DAG.loadTime, readsEarlierRuns: ['time', 'etl_cross_day_plays'], writes: ['time'] };
    expect(dependencyProblems({ ...DAG, loadTime }, order)).toEqual(['loadTime reads etl_cross_day_plays while loadSongplays writes it']);
  });

  test('a mis-ordered DAG fails the check: songplays before the songs it matches', () => {
    const misordered = stagesOrder([
      ['createSchema'],
      ['listEventFiles', 'listSongFiles'],
      ['stageEvents', 'stageSongs'],
      ['checkStagedData'],
      ['repairText'],
      ['loadSongplays'],
      ['loadSongs', 'loadArtists', 'loadUsers', 'loadTime'],
      ['queryLevelChanges'],
      ['runQualityChecks'],
      ['summarizeRun'],
      ['writeReport'],
    ]);
    expect(dependencyProblems(DAG, misordered)).toEqual(['loadSongplays reads etl_song_keys, which loadSongs writes, and loadSongs does not run before it']);
  });

  test("events staged while the song files are listed keep the declarations, but not without the steps' record kinds, nor beside their own listing", () => {
    const eventsFirst = (stages: string[][]) =>
      stagesOrder([
        ['createSchema'],
        ...stages,
        ['checkStagedData'],
        ['repairText'],
        ['loadSongs', 'loadArtists', 'loadUsers', 'loadTime'],
        ['loadSongplays', 'queryLevelChanges'],
        ['runQualityChecks'],
        ['summarizeRun'],
        ['writeReport'],
      ]);
    // The song files' listing still runs when stageEvents starts.
    const ranBefore = eventsFirst([['listEventFiles'], ['listSongFiles', 'stageEvents'], ['stageSongs']]);
    expect(dependencyProblems(DAG, ranBefore)).toEqual([]);

    const kindless = Object.fromEntries(Object.entries(DAG).map(([name, step]) => [name, { ...step, kind: undefined }]));
    expect(dependencyProblems(kindless, ranBefore).sort()).toEqual([
      'stageEvents reads etl_run_files while listSongFiles writes it',
      'stageEvents reads etl_run_files, which listSongFiles writes, and listSongFiles does not run before it',
      'stageEvents reads etl_run_files, which stageSongs writes, and stageSongs does not run before it',
    ]);

    const besideOwnListing = eventsFirst([['listEventFiles', 'listSongFiles', 'stageEvents'], ['stageSongs']]);
    expect(dependencyProblems(DAG, besideOwnListing).sort()).toEqual([
      'stageEvents reads etl_run_files while listEventFiles writes it',
      'stageEvents reads etl_run_files, which listEventFiles writes, and listEventFiles does not run before it',
    ]);
  });

  test('so does songplays published beside loadSongs: it reads the song keys being written', () => {
    const together = stagesOrder([
      ['createSchema'],
      ['listEventFiles', 'listSongFiles'],
      ['stageEvents', 'stageSongs'],
      ['checkStagedData'],
      ['repairText'],
      ['loadSongs', 'loadArtists', 'loadUsers', 'loadTime', 'loadSongplays'],
      ['queryLevelChanges'],
      ['runQualityChecks'],
      ['summarizeRun'],
      ['writeReport'],
    ]);
    expect(dependencyProblems(DAG, together).sort()).toEqual([
      'loadSongplays reads etl_song_keys while loadSongs writes it',
      'loadSongplays reads etl_song_keys, which loadSongs writes, and loadSongs does not run before it',
    ]);
  });

  test('so does a report written before the run summary it shows', () => {
    const early = stagesOrder([
      ['createSchema'],
      ['listEventFiles', 'listSongFiles'],
      ['stageEvents', 'stageSongs'],
      ['checkStagedData'],
      ['repairText'],
      ['loadSongs', 'loadArtists', 'loadUsers', 'loadTime'],
      ['loadSongplays', 'queryLevelChanges'],
      ['runQualityChecks'],
      ['writeReport'],
      ['summarizeRun'],
    ]);
    expect(dependencyProblems(DAG, early)).toEqual(['writeReport reads etl_runs, which summarizeRun writes, and summarizeRun does not run before it']);
  });

  test('so do level changes queried after the run summary, which may clear the staged events they read', () => {
    const late = stagesOrder([
      ['createSchema'],
      ['listEventFiles', 'listSongFiles'],
      ['stageEvents', 'stageSongs'],
      ['checkStagedData'],
      ['repairText'],
      ['loadSongs', 'loadArtists', 'loadUsers', 'loadTime'],
      ['loadSongplays'],
      ['runQualityChecks'],
      ['summarizeRun'],
      ['queryLevelChanges'],
      ['writeReport'],
    ]);
    expect(dependencyProblems(DAG, late)).toEqual(['queryLevelChanges reads staging_events, which summarizeRun may clear, and summarizeRun runs before it']);
  });
});
