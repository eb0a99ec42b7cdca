/**
 * What each workflow accepts as input, checked inside the workflow before it does anything: anyone
 * who can start a workflow (`temporal workflow start`, the Web UI, a schedule) can hand it any
 * JSON. A bad input fails the run at once, without retry, naming the field and the expected shape.
 * The shapes (./shape) are deterministic and do no I/O, so they run in the workflow sandbox; a valid
 * input adds no commands to the history, so replaying old histories is unaffected.
 */
import { ApplicationFailure } from '@temporalio/common';
import { BACKFILL_LIMITS, SCHEDULE_LIMITS } from '../defaults';
import { dateProblem, isTimeZone } from '../etl/dates';
import { ERROR_TYPES } from '../errors';
import { NOTIFY_ON } from '../notify/types';
import {
  array,
  atLeast,
  atMost,
  boolean,
  either,
  integer,
  issuesWith,
  matches,
  maxLength,
  nonEmpty,
  nullable,
  number,
  object,
  type ObjectRule,
  oneOf,
  optional,
  positiveFinite,
  type Shape,
  type ShapeIssue,
  string,
  tagged,
  unknown,
} from './shape';

/**
 * The columns a check may name, per table: the declared schema (sql/schema/*.sql; a test keeps
 * the two the same). Extra checks reach SQL only through these names, so workflow input cannot
 * smuggle SQL in as a table or column name.
 */
export const CHECKABLE_COLUMNS: Record<string, readonly string[]> = {
  songplays: ['songplay_id', 'start_time', 'user_id', 'level', 'song_id', 'artist_id', 'session_id', 'location', 'user_agent'],
  users: ['user_id', 'first_name', 'last_name', 'gender', 'level'],
  songs: ['song_id', 'title', 'artist_id', 'year', 'duration'],
  artists: ['artist_id', 'name', 'location', 'latitude', 'longitude'],
  time: ['start_time', 'hour', 'day', 'week', 'month', 'year', 'weekday'],
};

const TABLES = Object.keys(CHECKABLE_COLUMNS);

const date: Shape = string((value) => {
  const problem = dateProblem(value);
  return problem ? `"${value}" ${problem}` : undefined;
});

// URIs and locations: plain text of sane length (the worker's allow-list decides what is served).
const location = string(maxLength(2048), (text) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ? 'holds control characters' : undefined,
);

const share = number(atLeast(0), atMost(1));

const notify = object({ url: location, on: oneOf(NOTIFY_ON), webUi: optional(location) }, { strict: true });

// A Temporal duration: milliseconds, or text such as '30s', '2 minutes'.
const duration = either(number(positiveFinite), string(matches(/^\s*\d+(\.\d+)?\s*[a-z]*\s*$/i, 'is not a duration such as "30s" or "2 minutes"')));

/** The rule's table and column (or refTable and refColumn) must be a declared table and one of its columns. */
function declaredColumn(tableField: 'table' | 'refTable', columnField: 'column' | 'refColumn'): ObjectRule {
  return (rule) => {
    const table = String(rule[tableField]);
    const column = String(rule[columnField]);
    const columns = CHECKABLE_COLUMNS[table];
    if (!columns || columns.includes(column)) return undefined;
    return { field: columnField, message: `"${column}" is not a column of ${table} (one of ${columns.join(', ')})` };
  };
}

const tableName = oneOf(TABLES);
const columnName = string(matches(/^[a-z_][a-z0-9_]*$/, 'is not a plain column name'));
const onColumn = (fields: Record<string, Shape> = {}) =>
  object({ kind: unknown, table: tableName, column: columnName, ...fields }, { strict: true, rules: [declaredColumn('table', 'column')] });

const checkRule = tagged('kind', {
  not_null: onColumn(),
  unique: onColumn(),
  references: object(
    { kind: unknown, table: tableName, column: columnName, refTable: tableName, refColumn: columnName },
    { strict: true, rules: [declaredColumn('table', 'column'), declaredColumn('refTable', 'refColumn')] },
  ),
  accepted_values: onColumn({ values: array(string(maxLength(256)), { min: 1, max: 100 }) }),
  staging_reconciliation: object({ kind: unknown, table: oneOf(['staging_events', 'staging_songs']) }, { strict: true }),
  match_rate: object({ kind: unknown, min: share }, { strict: true }),
  run_has_events: object({ kind: unknown }, { strict: true }),
  pages_like_next_song: object({ kind: unknown }, { strict: true }),
});

export const checkDefinitionShape = object(
  { name: string(nonEmpty, maxLength(200)), severity: oneOf(['error', 'warn']), description: string(maxLength(1000)), rule: checkRule },
  { strict: true },
);

const fromNotAfterTo: ObjectRule = (value) => (String(value.from) <= String(value.to) ? undefined : { field: 'to', message: 'from is after to' });

const window = object({ from: date, to: date }, { strict: false, rules: [fromNotAfterTo] });

/** The run input without its window: what backfills and schedules hand each date. */
const dateRunFields = {
  source: optional(location),
  warehouse: optional(location),
  maxRejectRate: optional(share),
  durationTolerance: optional(number(atLeast(0), atMost(3600))),
  matchRateWarnBelow: optional(share),
  failOnEmpty: optional(boolean),
  extraChecks: optional(array(checkDefinitionShape, { max: 100 })),
  heartbeatTimeout: optional(duration),
  reportTo: optional(location),
  notify: optional(notify),
};

// Unknown fields pass (a newer starter may send more than this worker knows); known ones are checked.
const dateRunInputShape = object(dateRunFields, { strict: false });
export const etlInputShape = object({ ...dateRunFields, window: optional(nullable(window)) }, { strict: false });

export const backfillInputShape = object(
  {
    from: date,
    to: date,
    etl: dateRunInputShape,
    concurrency: optional(number(integer, atLeast(BACKFILL_LIMITS.concurrency.min), atMost(BACKFILL_LIMITS.concurrency.max))),
    onlyMissing: optional(boolean),
    onlyStale: optional(boolean),
    newestFirst: optional(boolean),
    datesPerRun: optional(number(integer, atLeast(BACKFILL_LIMITS.datesPerRun.min), atMost(BACKFILL_LIMITS.datesPerRun.max))),
    carried: unknown,
    notify: optional(notify),
  },
  { strict: false, rules: [fromNotAfterTo] },
);

const timeZone = string(nonEmpty, maxLength(64), (name) => (isTimeZone(name) ? undefined : 'is not an IANA time zone name, e.g. Europe/Berlin'));

export const scheduledInputShape = object(
  { etl: dateRunInputShape, offsetDays: optional(number(integer, atLeast(SCHEDULE_LIMITS.offsetDays.min), atMost(SCHEDULE_LIMITS.offsetDays.max))), timeZone: optional(timeZone) },
  { strict: false },
);

const RUN_SHAPE =
  '{ source?: string, warehouse?: string, maxRejectRate?: number 0…1, durationTolerance?: seconds, matchRateWarnBelow?: number 0…1, ' +
  'failOnEmpty?: boolean, extraChecks?: [{ name, severity: "error"|"warn", description, rule }], heartbeatTimeout?: duration, reportTo?: string }';

/** The expected shape of each workflow's input, as the failure message states it. */
export const INPUT_SHAPES = {
  etlRun: `${RUN_SHAPE.slice(0, -2)}, window?: { from: "YYYY-MM-DD", to: "YYYY-MM-DD" } | null }`,
  backfill:
    `{ from: "YYYY-MM-DD", to: "YYYY-MM-DD", etl: ${RUN_SHAPE}, concurrency?: integer ≥ 1, onlyMissing?: boolean, onlyStale?: boolean, ` +
    'newestFirst?: boolean, datesPerRun?: integer ≥ 1 }',
  scheduledEtlRun: `{ etl: ${RUN_SHAPE}, offsetDays?: integer, timeZone?: IANA name }`,
} as const;

export type WorkflowName = keyof typeof INPUT_SHAPES;

/** The error type of a rejected input (non-retryable: the same input fails the same way). */
export const INVALID_INPUT = ERROR_TYPES.invalidWorkflowInput;

/** A problem as the failure message states it: the field's dotted path, then what is wrong. */
export function describeShapeIssue(issue: ShapeIssue): string {
  return `${issue.path.length > 0 ? issue.path.join('.') : '(the input)'}: ${issue.message}`;
}

/**
 * Checks a workflow's input against its shape; throws a non-retryable ApplicationFailure naming
 * the first bad fields and the expected shape. Returns the input unchanged.
 */
export function checkWorkflowInput<T>(workflow: WorkflowName, shape: Shape, input: T): T {
  const issues = issuesWith(shape, input);
  if (issues.length === 0) return input;
  const problems = issues.slice(0, 3).map(describeShapeIssue);
  throw ApplicationFailure.nonRetryable(
    `invalid ${workflow} input: ${problems.join('; ')}. Expected ${INPUT_SHAPES[workflow]}`,
    INVALID_INPUT,
  );
}
