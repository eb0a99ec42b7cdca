import { EVENT_TIME_RANGE } from '../etl/records';
import type { Dialect } from './types';

/**
 * Fragments for sql/staging/duckdb/check_*.sql and insert_*.sql: the per-field checks of a raw record.
 * Each works on the columns the extract step leaves per source field: `j_<col>`, the value's JSON
 * text (NULL when missing or null), and `s_<col>`, its unescaped text when it is a JSON string.
 * Arguments: the staging column, then the source key (for the reason), then the SQL type.
 *
 * The reasons are the same on every engine and name the field; the value they quote is capped.
 */

/** Longest value quoted in a reason, in characters. */
export const MAX_QUOTED_VALUE = 80;

/** Each whole-number type's largest magnitude, positive and negative, as digits. */
const RANGES: Record<string, { max: string; minAbs: string }> = {
  SMALLINT: { max: '32767', minAbs: '32768' },
  INTEGER: { max: '2147483647', minAbs: '2147483648' },
  BIGINT: { max: '9223372036854775807', minAbs: '9223372036854775808' },
};

interface Primitives {
  /** The whole of `value` matches the regular expression. */
  matches(value: string, regex: string): string;
  /** A JSON number's text whose value no DOUBLE PRECISION holds (overflow or underflow to 0). */
  doubleOutOfRange(json: string): string;
}

const PRIMITIVES: Record<Dialect, Primitives> = {
  duckdb: {
    matches: (v, re) => `regexp_full_match(${v}, '${re}')`,
    doubleOutOfRange: (j) => `(NOT isfinite(TRY_CAST(${j} AS DOUBLE)) OR (TRY_CAST(${j} AS DOUBLE) = 0 AND NOT ${PRIMITIVES.duckdb.matches(j, '-?[0.]+([eE][-+]?[0-9]+)?')}))`,
  },
  postgres: {
    matches: (v, re) => `(${v} ~ '^(?:${re})$')`,
    doubleOutOfRange: (j) => `(abs(CAST(${j} AS NUMERIC)) > 1.7976931348623157e308 OR (abs(CAST(${j} AS NUMERIC)) < 2.3e-308 AND CAST(${j} AS NUMERIC) <> 0))`,
  },
  // Redshift stages with its own COPY; these checks never run there.
  redshift: {
    matches: (v, re) => `(${v} ~ '^(?:${re})$')`,
    doubleOutOfRange: () => 'FALSE',
  },
};

function args(text: string): string[] {
  return text.split(',').map((a) => a.trim());
}

function quoted(j: string): string {
  return `CASE WHEN length(${j}) > ${MAX_QUOTED_VALUE} THEN left(${j}, ${MAX_QUOTED_VALUE}) || '…' ELSE ${j} END`;
}

function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The integer a valid whole-number field holds, as text: a trimmed digit string, or a JSON number up to its `.0`. */
function integerText(col: string): string {
  return `CASE WHEN s_${col} IS NOT NULL THEN trim(s_${col}) ELSE split_part(j_${col}, '.', 1) END`;
}

function isWholeNumber(p: Primitives, col: string): string {
  return `(${p.matches(`j_${col}`, '-?[0-9]+(\\.0+)?')} OR (s_${col} IS NOT NULL AND ${p.matches(`trim(s_${col})`, '-?[0-9]+')}))`;
}

/**
 * A whole number's text (digits with an optional minus) beyond the type's range. Compared as
 * digit strings: no cast can fail, and text compares fast on every engine (a DECIMAL cast does not).
 */
function outOfRange(valueText: string, type: string): string {
  const range = RANGES[type];
  if (!range) throw new Error(`no range known for SQL type ${type}`);
  return outsideDigits(valueText, range);
}

/** EVENT_TIME_RANGE as digit strings (both bounds have the same number of digits as their type's, 13). */
const EVENT_TIME_DIGITS = { max: String(EVENT_TIME_RANGE.max), minAbs: String(-EVENT_TIME_RANGE.min) };

/** A whole number's text beyond the range's largest magnitudes, compared as digit strings. */
function outsideDigits(valueText: string, range: { max: string; minAbs: string }): string {
  const digits = `ltrim(replace(${valueText}, '-', ''), '0')`;
  const limit = `CASE WHEN ${valueText} LIKE '-%' THEN '${range.minAbs}' ELSE '${range.max}' END`;
  return `(length(${digits}) > ${range.max.length} OR (length(${digits}) = ${range.max.length} AND ${digits} > ${limit}))`;
}

function fragmentsFor(dialect: Dialect): Record<string, (a: string) => string> {
  const p = PRIMITIVES[dialect];
  return {
    /** Reason a text field is bad, or NULL: text, or a whole JSON number (the same id), is fine. */
    text_reason: (a) => {
      const [col, key] = args(a);
      return (
        // Cheap tests first: CASE tries the regular expression only on what is left.
        `CASE WHEN j_${col} IS NULL OR s_${col} IS NOT NULL THEN NULL WHEN ${p.matches(`j_${col}`, '-?[0-9]+')} THEN NULL ` +
        `ELSE ${sqlText(`field "${key}" should be text, got `)} || ${quoted(`j_${col}`)} END`
      );
    },
    /** Reason a whole-number field is bad, or NULL: missing (if required), not whole, or beyond its column type. */
    integer_reason: (a) => {
      const [col, key, type, required] = args(a);
      const missing = required === 'required' ? sqlText(`field "${key}" is missing`) : 'NULL';
      return (
        `CASE WHEN j_${col} IS NULL THEN ${missing} ` +
        `WHEN NOT ${isWholeNumber(p, col)} THEN ${sqlText(`field "${key}" should be a whole number, got `)} || ${quoted(`j_${col}`)} ` +
        `WHEN ${outOfRange(integerText(col), type)} THEN ${sqlText(`field "${key}" is out of range for ${type}, got `)} || ${quoted(`j_${col}`)} ` +
        `END`
      );
    },
    /**
     * Reason an event's time is outside EVENT_TIME_RANGE, or NULL. Follows the field's
     * integer_reason in a COALESCE, which names a value that is missing, not whole or beyond BIGINT first.
     */
    event_time_reason: (a) => {
      const [col, key] = args(a);
      return `CASE WHEN ${outsideDigits(integerText(col), EVENT_TIME_DIGITS)} THEN ${sqlText(`field "${key}" ${EVENT_TIME_RANGE.problem}, got `)} || ${quoted(`j_${col}`)} END`;
    },
    /** Reason a number field is bad, or NULL: not a JSON number, or no DOUBLE PRECISION holds it. */
    number_reason: (a) => {
      const [col, key] = args(a);
      return (
        `CASE WHEN j_${col} IS NULL THEN NULL ` +
        `WHEN NOT ${p.matches(`j_${col}`, '-?[0-9].*')} THEN ${sqlText(`field "${key}" should be a number, got `)} || ${quoted(`j_${col}`)} ` +
        `WHEN ${p.doubleOutOfRange(`j_${col}`)} THEN ${sqlText(`field "${key}" is out of range for DOUBLE PRECISION, got `)} || ${quoted(`j_${col}`)} ` +
        `END`
      );
    },
    /** Reason a user id is bad, or NULL: digits (or empty) that fit users.user_id, an INTEGER. */
    user_id_reason: (a) => {
      const [col, key] = args(a);
      // Spaces only (DuckDB's trim() alone also takes U+00A0, U+3000 and the like), as checkEventUserId.
      const v = `trim(COALESCE(s_${col}, j_${col}), ' ')`;
      return (
        `CASE WHEN j_${col} IS NULL OR ${v} = '' THEN NULL ` +
        `WHEN NOT ${p.matches(v, '[0-9]+')} THEN ${sqlText(`field "${key}" should be digits or empty, got `)} || ${quoted(`j_${col}`)} ` +
        `WHEN ${outOfRange(v, 'INTEGER')} THEN ${sqlText(`field "${key}" is out of range for INTEGER (users.user_id), got `)} || ${quoted(`j_${col}`)} ` +
        `END`
      );
    },
    /** A checked text field's value: the string, or the whole number's text. */
    text_value: (a) => {
      const [col] = args(a);
      return `COALESCE(s_${col}, j_${col})`;
    },
    /** A checked whole-number field's value, typed. */
    integer_value: (a) => {
      const [col, type] = args(a);
      return `CAST(${integerText(col)} AS ${type})`;
    },
    /** A checked number field's value, typed. */
    number_value: (a) => {
      const [col] = args(a);
      return `CAST(j_${col} AS DOUBLE PRECISION)`;
    },
  };
}

export const STAGING_FRAGMENTS: Record<Dialect, Record<string, (args: string) => string>> = {
  duckdb: fragmentsFor('duckdb'),
  postgres: fragmentsFor('postgres'),
  redshift: fragmentsFor('redshift'),
};
