/**
 * What each workflow accepts as input, checked inside the workflow before it does anything: anyone
 * who can start a workflow (`temporal workflow start`, the Web UI, a schedule) can hand it any
 * JSON. A bad input fails the run at once, without retry, naming the field and the expected shape.
 * zod is deterministic and has no I/O, so it runs in the workflow sandbox; a valid input adds no
 * commands to the history, so replaying old histories is unaffected.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { dateProblem, isTimeZone } from '../etl/dates';
import { ERROR_TYPES } from '../errors';
import { NOTIFY_ON } from '../notify/types';

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

const TABLES = Object.keys(CHECKABLE_COLUMNS) as [string, ...string[]];

const date = z.string().superRefine((value, ctx) => {
  const problem = dateProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${value}" ${problem}` });
});

// URIs and locations: plain text of sane length (the worker's allow-list decides what is served).
const location = z
  .string()
  .max(2048, 'is longer than 2048 characters')
  .refine((text) => ![...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'holds control characters');

const share = z.number().min(0).max(1);

const notify = z.strictObject({ url: location, on: z.enum(NOTIFY_ON), webUi: location.optional() });

// A Temporal duration: milliseconds, or text such as '30s', '2 minutes'.
const duration = z.union([z.number().positive().finite(), z.string().regex(/^\s*\d+(\.\d+)?\s*[a-z]*\s*$/i, 'is not a duration such as "30s" or "2 minutes"')]);

/** `table` and `column` must be a declared table and one of its columns. */
function tableColumn<T extends { table: string; column: string }>(rule: T, ctx: z.RefinementCtx, prefix: 'table' | 'refTable' = 'table'): void {
  const table = (rule as Record<string, string>)[prefix];
  const column = (rule as Record<string, string>)[prefix === 'table' ? 'column' : 'refColumn'];
  const columns = CHECKABLE_COLUMNS[table];
  if (columns && !columns.includes(column)) {
    ctx.addIssue({
      code: 'custom',
      path: [prefix === 'table' ? 'column' : 'refColumn'],
      message: `"${column}" is not a column of ${table} (one of ${columns.join(', ')})`,
    });
  }
}

const tableName = z.enum(TABLES);
const columnName = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'is not a plain column name');

const checkRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('not_null'), table: tableName, column: columnName }).superRefine((r, ctx) => tableColumn(r, ctx)),
  z.strictObject({ kind: z.literal('unique'), table: tableName, column: columnName }).superRefine((r, ctx) => tableColumn(r, ctx)),
  z
    .strictObject({ kind: z.literal('references'), table: tableName, column: columnName, refTable: tableName, refColumn: columnName })
    .superRefine((r, ctx) => {
      tableColumn(r, ctx);
      tableColumn({ ...r, table: r.refTable, column: r.refColumn }, ctx, 'refTable');
    }),
  z
    .strictObject({ kind: z.literal('accepted_values'), table: tableName, column: columnName, values: z.array(z.string().max(256)).min(1).max(100) })
    .superRefine((r, ctx) => tableColumn(r, ctx)),
  z.strictObject({ kind: z.literal('staging_reconciliation'), table: z.enum(['staging_events', 'staging_songs']) }),
  z.strictObject({ kind: z.literal('match_rate'), min: share }),
  z.strictObject({ kind: z.literal('run_has_events') }),
]);

export const checkDefinitionSchema = z.strictObject({
  name: z.string().min(1).max(200),
  severity: z.enum(['error', 'warn']),
  description: z.string().max(1000),
  rule: checkRule,
});

const window = z
  .object({ from: date, to: date })
  .refine((w) => w.from <= w.to, { message: 'from is after to', path: ['to'] });

/** The run input without its window: what backfills and schedules hand each date. */
const dateRunFields = {
  source: location.optional(),
  warehouse: location.optional(),
  maxRejectRate: share.optional(),
  durationTolerance: z.number().min(0).max(3600).optional(),
  matchRateWarnBelow: share.optional(),
  failOnEmpty: z.boolean().optional(),
  extraChecks: z.array(checkDefinitionSchema).max(100).optional(),
  heartbeatTimeout: duration.optional(),
  reportTo: location.optional(),
  notify: notify.optional(),
};

// Unknown fields pass (a newer starter may send more than this worker knows); known ones are checked.
export const dateRunInputSchema = z.looseObject(dateRunFields);
export const etlInputSchema = z.looseObject({ ...dateRunFields, window: window.nullable().optional() });

export const backfillInputSchema = z
  .looseObject({
    from: date,
    to: date,
    etl: dateRunInputSchema,
    concurrency: z.number().int().min(1).max(100).optional(),
    onlyMissing: z.boolean().optional(),
    newestFirst: z.boolean().optional(),
    datesPerRun: z.number().int().min(1).max(10_000).optional(),
    carried: z.unknown().optional(),
    notify: notify.optional(),
  })
  .refine((b) => b.from <= b.to, { message: 'from is after to', path: ['to'] });

export const scheduledInputSchema = z.looseObject({
  etl: dateRunInputSchema,
  offsetDays: z.number().int().min(-366).max(366).optional(),
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'is not an IANA time zone name, e.g. Europe/Berlin').optional(),
});

const RUN_SHAPE =
  '{ source?: string, warehouse?: string, maxRejectRate?: number 0…1, durationTolerance?: seconds, matchRateWarnBelow?: number 0…1, ' +
  'failOnEmpty?: boolean, extraChecks?: [{ name, severity: "error"|"warn", description, rule }], heartbeatTimeout?: duration, reportTo?: string }';

/** The expected shape of each workflow's input, as the failure message states it. */
export const INPUT_SHAPES = {
  etlRun: `${RUN_SHAPE.slice(0, -2)}, window?: { from: "YYYY-MM-DD", to: "YYYY-MM-DD" } | null }`,
  backfill:
    `{ from: "YYYY-MM-DD", to: "YYYY-MM-DD", etl: ${RUN_SHAPE}, concurrency?: integer ≥ 1, onlyMissing?: boolean, ` +
    'newestFirst?: boolean, datesPerRun?: integer ≥ 1 }',
  scheduledEtlRun: `{ etl: ${RUN_SHAPE}, offsetDays?: integer, timeZone?: IANA name }`,
} as const;

export type WorkflowName = keyof typeof INPUT_SHAPES;

/** The error type of a rejected input (non-retryable: the same input fails the same way). */
export const INVALID_INPUT = ERROR_TYPES.invalidWorkflowInput;

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(the input)';
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    let value: unknown = input;
    for (const key of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
    message = `expected ${issue.expected}, got ${value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`;
  }
  return `${field}: ${message}`;
}

/**
 * Checks a workflow's input against its schema; throws a non-retryable ApplicationFailure naming
 * the first bad fields and the expected shape. Returns the input unchanged.
 */
export function checkWorkflowInput<T>(workflow: WorkflowName, schema: z.ZodType, input: T): T {
  const result = schema.safeParse(input);
  if (result.success) return input;
  const problems = result.error.issues.slice(0, 3).map((issue) => describeIssue(issue, input));
  throw ApplicationFailure.nonRetryable(
    `invalid ${workflow} input: ${problems.join('; ')}. Expected ${INPUT_SHAPES[workflow]}`,
    INVALID_INPUT,
  );
}
