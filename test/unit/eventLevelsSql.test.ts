/**
 * The level rule is written out twice: in the query that finds the events it rejects
 * (sql/staging/events_with_bad_level.sql) and in the statements that move them to the rejects
 * (sql/staging/reject_events_with_bad_level.sql). The reason and the predicate must say the same
 * in every statement, or the result would count other events than those rejected.
 */
import { readSqlFile } from '../../src/warehouse/sql';

const found = readSqlFile('staging/events_with_bad_level');
const moved = readSqlFile('staging/reject_events_with_bad_level');
const reasons = (text: string) => [...text.matchAll(/CASE WHEN [\s\S]*? END/g)].map((m) => m[0].replace(/\s+/g, ' '));
const predicates = (text: string) => [...text.matchAll(/^WHERE (.*?);?$/gm)].map((m) => m[1]);

test('the query and the move give the same reason', () => {
  expect(reasons(found)).toHaveLength(1);
  expect(reasons(moved)).toEqual(reasons(found));
});

test('the query, the insert and the delete pick the same events', () => {
  expect(predicates(found)).toHaveLength(1);
  expect(predicates(moved)).toEqual([predicates(found)[0], predicates(found)[0]]);
});
