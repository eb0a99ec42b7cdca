/**
 * A write Redshift refuses in a read command's read-only transaction is told by its Error text (the
 * Data API gives no SQLSTATE), and only at the start of it: a read that fails on something
 * read-only further in keeps Redshift's own words.
 */
import { isReadOnlyRefusal } from '../../src/warehouse/redshift/readOnly';

test.each([
  ['ERROR: transaction is read-only', true],
  ['ERROR: transaction is read-only\n  Detail: ', true],
  ['transaction is read-only', true],
  ['ERROR: cannot execute DELETE in a read-only transaction', true],
  ['ERROR: cannot execute CREATE TABLE AS in a read-only transaction', true],
  ['ERROR: Failed to incorporate external table "sc"."tab" into local catalog. Error=transaction is read-only', false],
  ['ERROR: relation "songplays" does not exist', false],
  ['ERROR: permission denied for relation songplays', false],
])('%j: %s', (error, refusal) => {
  expect(isReadOnlyRefusal(error)).toBe(refusal);
});
