import { statementCount } from '../../src/warehouse/redshift/statementCount';

/** `sparkify sql` on Redshift refuses several statements itself; semicolons that end none do not count. */
test.each([
  ['SELECT 1', 1],
  ['SELECT 1;', 1],
  ['  SELECT 1 ;  -- done\n', 1],
  ['SELECT 1; SELECT 2', 2],
  ['SELECT 1;\nDELETE FROM songplays;', 2],
  ["SELECT ';' AS s", 1],
  ["SELECT 'it''s; fine'", 1],
  ["SELECT 'back\\'; slash'", 1],
  ['SELECT 1 AS "a;b"', 1],
  ['SELECT 1 -- ; not a second\n', 1],
  ['SELECT /* ; /* nested ; */ still ; */ 1', 1],
  ['SELECT $$a;b$$, $tag$c;$$;d$tag$', 1],
  ['SELECT $1; SELECT 2', 2],
  ['SELECT 1 AS a$b$c; SELECT 2 AS d$b$', 2],
  ['-- only a comment', 0],
  [';;', 0],
])('%j holds %i statement(s)', (sql, count) => {
  expect(statementCount(sql)).toBe(count);
});
