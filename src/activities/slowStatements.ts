/**
 * Which statements took a step's time, in the worker's log. A step's time is in the run's summary,
 * but a publish is one transaction of up to some seventy statements (the songplays publish), the
 * checks and the report are a query each, and at scale one or two of them take most of it. Each
 * that ran at least SPARKIFY_SLOW_STATEMENT_SECONDS (default 10) is logged at info, naming its SQL
 * file (a publish statement also its place in the transaction and its first line of SQL) or its
 * check; at debug, every one is.
 */
import type { Logger } from '../log';

/** A statement's first line of SQL (its header comments left out), at most `max` characters. */
export function statementHead(sql: string, max = 120): string {
  const line = sql
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('--'));
  const head = line ?? '';
  return head.length > max ? `${head.slice(0, max - 1)}…` : head;
}

/**
 * StatementOptions.statementDone for a transaction running `statements` (fence, locks and settings
 * included) for `sqlFile`: logs each statement that ran `slowSeconds` or longer at info, and every
 * statement at debug, with `fields` (the run, the step).
 */
export function statementTimeLog(
  log: Logger,
  sqlFile: string,
  statements: readonly string[],
  slowSeconds: number,
  fields: Record<string, unknown> = {},
): (index: number, ms: number) => void {
  return (index, ms) =>
    logTime(log, slowSeconds, ms, (seconds) => [
      { ...fields, sql: sqlFile, statement: index + 1, statements: statements.length, seconds },
      `statement ${index + 1} of ${statements.length} in the transaction of ${sqlFile} ran ${seconds} s: ${statementHead(statements[index] ?? '')}`,
    ]);
}

/**
 * For the steps that run a query at a time (the quality checks, the report's queries): logs each
 * query (`what`: a check, an insights file) that ran `slowSeconds` or longer at info, every one at
 * debug, with `fields`.
 */
export function queryTimeLog(log: Logger, slowSeconds: number, fields: Record<string, unknown> = {}): (what: string, ms: number) => void {
  return (what, ms) => logTime(log, slowSeconds, ms, (seconds) => [{ ...fields, query: what, seconds }, `${what} ran ${seconds} s`]);
}

/** At info when `ms` is `slowSeconds` or more, else at debug (built only when debug is on): the entry and message `describe` makes of the seconds. */
function logTime(log: Logger, slowSeconds: number, ms: number, describe: (seconds: number) => [Record<string, unknown>, string]): void {
  const slow = ms >= slowSeconds * 1000;
  if (!slow && !log.isLevelEnabled('debug')) return;
  const [entry, message] = describe(Math.round(ms / 10) / 100);
  if (slow) log.info(entry, message);
  else log.debug(entry, message);
}
