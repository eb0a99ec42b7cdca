/**
 * A read command's statement on Redshift (sparkify sql, insights), in a read-only transaction:
 * BEGIN READ ONLY, the statement, ROLLBACK, as one Data API batch run with ExecutionMode
 * AUTO_COMMIT. In the default mode the Data API wraps the batch in a transaction of its own and
 * commits it at the end, around the batch's BEGIN (docs/redshift.md, "Read commands").
 */
import { sqlStatement } from '../sql';

const BEGIN_READ_ONLY = sqlStatement('redshift/read_only_begin', 'redshift');
const ROLLBACK = sqlStatement('redshift/read_only_rollback', 'redshift');

/** The batch that runs `sql` read-only. */
export function readOnlyBatch(sql: string): string[] {
  return [BEGIN_READ_ONLY, sql, ROLLBACK];
}

/** Where the statement's own result is in readOnlyBatch. */
export const READ_ONLY_STATEMENT_AT = 1;

/**
 * Whether a failed statement's Error is Redshift's refusal of a write in a read-only transaction.
 * The Data API gives no SQLSTATE, only text: Redshift's "transaction is read-only" (PostgreSQL 8's
 * words), or PostgreSQL's later "cannot execute DELETE in a read-only transaction". Anchored at the
 * start: a read that fails on something read-only further in (a Spectrum or datashare table the
 * session has not seen yet: "Failed to incorporate external table … Error=transaction is
 * read-only") wrote nothing, and keeps Redshift's own words.
 */
export function isReadOnlyRefusal(error: string): boolean {
  return /^(?:ERROR:\s*)?(?:transaction is read-only|cannot execute [A-Za-z ]+ in a read-only transaction)(?:\s|$)/.test(error.trim());
}
