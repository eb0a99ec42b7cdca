/**
 * A publish's slow statements in the worker's log (src/activities/slowStatements.ts): at info when
 * a statement ran the threshold or longer, naming its SQL file, its place and its first line of
 * SQL; every statement at debug; nothing more at info.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { queryTimeLog, statementHead, statementTimeLog } from '../../src/activities/slowStatements';

function capturingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

const STATEMENTS = ['SET LOCAL work_mem = \'256MB\'', '-- The plays, one pass.\n-- (a second header line)\nCREATE UNLOGGED TABLE publish_songplays AS\nSELECT 1', 'COMMIT'];

test("a statement's head is its first line of SQL, its header comments left out, cut at the length given", () => {
  expect(statementHead(STATEMENTS[1])).toBe('CREATE UNLOGGED TABLE publish_songplays AS');
  expect(statementHead(`  INSERT INTO songplays ${'x'.repeat(200)}`, 30)).toBe(`INSERT INTO songplays ${'x'.repeat(7)}…`);
  expect(statementHead('-- only a comment')).toBe('');
});

test('at info, only the statements that ran the threshold or longer, each named by file, place and head', async () => {
  const { log, lines } = capturingLogger('info');
  const done = statementTimeLog(log, 'sql/transform/songplays.sql', STATEMENTS, 10, { runId: 'run-1' });
  done(0, 3);
  done(1, 17_234);
  done(2, 9_999);
  await new Promise((resolve) => setImmediate(resolve));
  expect(lines).toEqual([
    expect.objectContaining({
      level: 30,
      runId: 'run-1',
      sql: 'sql/transform/songplays.sql',
      statement: 2,
      statements: 3,
      seconds: 17.23,
      msg: 'statement 2 of 3 in the transaction of sql/transform/songplays.sql ran 17.23 s: CREATE UNLOGGED TABLE publish_songplays AS',
    }),
  ]);
});

test('at debug, every statement; a threshold of 0 puts every statement at info', async () => {
  const debug = capturingLogger('debug');
  const all = statementTimeLog(debug.log, 'sql/transform/users.sql', STATEMENTS, 10);
  for (const [i, ms] of [3, 17_234, 9_999].entries()) all(i, ms);
  const every = capturingLogger('info');
  const zero = statementTimeLog(every.log, 'sql/transform/users.sql', STATEMENTS, 0);
  for (const i of [0, 1, 2]) zero(i, 0.4);
  await new Promise((resolve) => setImmediate(resolve));
  expect(debug.lines.map((l) => [l.level, l.statement])).toEqual([[20, 1], [30, 2], [20, 3]]);
  expect(every.lines.map((l) => [l.level, l.statement, l.seconds])).toEqual([[30, 1, 0], [30, 2, 0], [30, 3, 0]]);
});

test('a query at a time (a check, an insights file): at info when slow, at debug otherwise', async () => {
  const info = capturingLogger('info');
  const debug = capturingLogger('debug');
  for (const { log } of [info, debug]) {
    const done = queryTimeLog(log, 2, { runId: 'run-1' });
    done('sql/insights/content_top.sql', 6_930);
    done('quality check songplays.user_id in users', 120);
  }
  await new Promise((resolve) => setImmediate(resolve));
  expect(info.lines).toEqual([expect.objectContaining({ level: 30, runId: 'run-1', query: 'sql/insights/content_top.sql', seconds: 6.93, msg: 'sql/insights/content_top.sql ran 6.93 s' })]);
  expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([
    [30, 'sql/insights/content_top.sql ran 6.93 s'],
    [20, 'quality check songplays.user_id in users ran 0.12 s'],
  ]);
});
