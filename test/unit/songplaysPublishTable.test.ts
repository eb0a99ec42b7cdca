import { sqlStatements } from '../../src/warehouse/sql';

/**
 * The shared songplays publish (sql/transform/songplays.sql) keeps every play of the run in
 * publish_songplays: a TEMP table on Redshift, an UNLOGGED one on PostgreSQL (so parallel workers
 * read it: test/songplaysParallel.test.ts). DuckDB runs sql/transform/duckdb/songplays.sql instead,
 * which has no such table (test/unit/duckdbSongplaysDirect.test.ts); rendered for DuckDB, the shared
 * file serves only as that test's reference.
 */
const PARAMS = { run_id: 'r1', duration_tolerance: 2, days: ['2018-11-01'], key_built_after: false, copies_counted: true };

describe('shared songplays publish: the kind of table that holds its plays', () => {
  test('renders a TEMP table on Redshift and an UNLOGGED one on PostgreSQL (test/songplaysParallel.test.ts) only', () => {
    for (const dialect of ['postgres', 'redshift'] as const) {
      expect(sqlStatements('transform/songplays', dialect, PARAMS).some((s) => new RegExp(`CREATE ${dialect === 'postgres' ? 'UNLOGGED' : 'TEMP'} TABLE publish_songplays AS`).test(s))).toBe(true);
    }
    expect(sqlStatements('transform/songplays', 'duckdb', PARAMS).some((s) => /TEMP TABLE publish_songplays/.test(s))).toBe(false);
  });
});
