/**
 * On Redshift a publish is one BatchExecuteStatement, so one transaction, of at most 40 SQLs: the
 * songplays publish with the ledger's statements must fit, or it cannot run at all there.
 */
import { recordLedgerStatements } from '../../src/activities/ledger';
import { publishSettings, publishTransform, usersDays } from '../../src/activities/publishActivities';
import { MAX_BATCH_SQLS } from '../../src/warehouse/redshift/dataApi';
import { sqlStatements } from '../../src/warehouse/sql';
import type { Warehouse } from '../../src/warehouse/types';

const redshift = { dialect: 'redshift' } as Warehouse;

test('the Redshift songplays publish and its ledger fit one Data API batch, its temp tables left to the session', () => {
  const transform = publishTransform('loadSongplays', 'redshift');
  const statements = [
    ...publishSettings('redshift', transform),
    ...sqlStatements(transform, 'redshift', { run_id: 'r', duration_tolerance: 2, days: ['2018-11-02', '2018-11-03'], copies_counted: true }),
    ...recordLedgerStatements(redshift, 'r', new Date('2018-11-04T00:00:00Z')),
  ];
  expect(statements.length).toBeLessThanOrEqual(MAX_BATCH_SQLS);
  expect(statements.filter((s) => /^DROP TABLE/im.test(s))).toEqual([]);
  // PostgreSQL drops each one itself: its session outlives the transaction.
  const postgres = sqlStatements(publishTransform('loadSongplays', 'postgres'), 'postgres', { run_id: 'r', duration_tolerance: 2, days: ['2018-11-02'], key_built_after: false, copies_counted: true });
  const names = (pattern: RegExp) => postgres.flatMap((s) => pattern.exec(s)?.[1] ?? []).sort();
  const created = names(/^CREATE (?:TEMP|UNLOGGED) TABLE (publish_\w+)/m);
  expect(created.length).toBeGreaterThan(5);
  expect(names(/^DROP TABLE (publish_\w+)/m)).toEqual(created);
});

test('the Redshift users publish fits one Data API batch, with room for its fence', () => {
  const transform = publishTransform('loadUsers', 'redshift');
  const statements = [...publishSettings('redshift', transform), ...sqlStatements(transform, 'redshift', { run_id: 'r', ...usersDays(['2018-11-03', '2018-11-02']) })];
  expect(statements.length).toBeLessThanOrEqual(MAX_BATCH_SQLS - 5);
});
