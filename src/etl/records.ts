import { MAX_DATE, MIN_DATE } from './dates';

/** A source record that could not be staged, kept with the reason. */
export interface RejectedRecord {
  sourceKey: string;
  sourceLine: number;
  reason: string;
  raw: string;
}

export type CellValue = string | number | null;

type FieldType = 'string' | 'integer' | 'number';

export interface FieldSpec {
  /** The key in the source JSON. */
  key: string;
  /** The staging column: the key folded to lower case, as SQL identifiers are. */
  column: string;
  type: FieldType;
  required?: boolean;
  /** A whole number's staging column type: its range is checked. */
  sqlType?: 'INTEGER' | 'BIGINT';
  /** An event's time (epoch milliseconds): within EVENT_TIME_RANGE. */
  eventTime?: boolean;
}

/**
 * The times an event's ts may hold, in epoch milliseconds: the days of the pipeline's supported
 * dates (src/etl/dates.ts). Every engine turns ts into a TIMESTAMP when it publishes, and
 * PostgreSQL's and Redshift's stop at 4713 BC and 294276 AD: a ts beyond them failed the publish
 * on PostgreSQL ("timestamp out of range") where DuckDB, whose range is wider, published the play.
 * Staging rejects it instead, the same way on every engine.
 */
export const EVENT_TIME_RANGE = {
  min: Date.parse(`${MIN_DATE}T00:00:00.000Z`),
  max: Date.parse(`${MAX_DATE}T23:59:59.999Z`),
  /** What a reject's reason says after the field's name. */
  problem: `is outside the supported dates ${MIN_DATE} … ${MAX_DATE}`,
} as const;

function field(key: string, type: FieldType, required = false, sqlType?: 'INTEGER' | 'BIGINT'): FieldSpec {
  return { key, column: key.toLowerCase(), type, required, sqlType: type === 'integer' ? (sqlType ?? 'INTEGER') : undefined };
}

/** Every field of an event log record, in the source's order. */
export const EVENT_FIELDS: readonly FieldSpec[] = [
  field('artist', 'string'),
  field('auth', 'string'),
  field('firstName', 'string'),
  field('gender', 'string'),
  field('itemInSession', 'integer', true),
  field('lastName', 'string'),
  field('length', 'number'),
  field('level', 'string'),
  field('location', 'string'),
  field('method', 'string'),
  field('page', 'string', true),
  field('registration', 'number'),
  field('sessionId', 'integer', true, 'BIGINT'),
  field('song', 'string'),
  field('status', 'integer'),
  { ...field('ts', 'integer', true, 'BIGINT'), eventTime: true },
  field('userAgent', 'string'),
  field('userId', 'string'),
];

/** Every field of a song metadata record, in the source's order. */
export const SONG_FIELDS: readonly FieldSpec[] = [
  field('num_songs', 'integer'),
  field('artist_id', 'string', true),
  field('artist_latitude', 'number'),
  field('artist_longitude', 'number'),
  field('artist_location', 'string'),
  field('artist_name', 'string'),
  field('song_id', 'string', true),
  field('title', 'string'),
  field('duration', 'number'),
  field('year', 'integer'),
];

/** Lineage columns every staging row carries ahead of the source fields. */
export const LINEAGE_COLUMNS = ['run_id', 'source_key', 'source_line'] as const;

export const STAGING_EVENT_COLUMNS = [...LINEAGE_COLUMNS, ...EVENT_FIELDS.map((f) => f.column)];
export const STAGING_SONG_COLUMNS = [...LINEAGE_COLUMNS, ...SONG_FIELDS.map((f) => f.column)];

export type RecordKind = 'events' | 'songs';

export const FIELDS_BY_KIND: Record<RecordKind, readonly FieldSpec[]> = { events: EVENT_FIELDS, songs: SONG_FIELDS };

class InvalidRecord extends Error {}

/** Longest value quoted in a reason (the same cap as the SQL checks). */
const MAX_QUOTED = 80;

function quote(value: unknown): string {
  const text = jsonPrefix(value, MAX_QUOTED + 1);
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

/**
 * The first `limit` or more characters of `value`'s JSON text (all of it when shorter), for a
 * value JSON.parse made. JSON.stringify walks the whole value recursively: a line of 300,000
 * nested brackets, well under the line cap, overflowed the stack and failed the step instead of
 * rejecting its record. Here every level writes a character first, so the walk goes no deeper
 * than `limit`.
 */
function jsonPrefix(value: unknown, limit: number): string {
  let text = '';
  const write = (v: unknown): void => {
    if (text.length >= limit) return;
    if (Array.isArray(v)) {
      text += '[';
      for (let i = 0; i < v.length && text.length < limit; i++) {
        if (i > 0) text += ',';
        write(v[i] === undefined ? null : v[i]);
      }
      text += ']';
    } else if (v !== null && typeof v === 'object') {
      text += '{';
      let first = true;
      for (const [key, member] of Object.entries(v)) {
        if (text.length >= limit) break;
        if (member === undefined) continue;
        text += `${first ? '' : ','}${JSON.stringify(key.slice(0, limit))}:`;
        first = false;
        write(member);
      }
      text += '}';
    } else if (typeof v === 'string') {
      text += JSON.stringify(v.slice(0, limit));
    } else {
      text += JSON.stringify(v) ?? String(v);
    }
  };
  write(value);
  return text;
}

const INT32 = { min: -2147483648, max: 2147483647 };

function checkRange(spec: FieldSpec, n: number, raw: unknown): number {
  if (spec.sqlType === 'INTEGER' && (n < INT32.min || n > INT32.max)) {
    throw new InvalidRecord(`field "${spec.key}" is out of range for INTEGER, got ${quote(raw)}`);
  }
  if (!Number.isSafeInteger(n)) {
    // Beyond 2^53 a JavaScript number is no longer exact: out of range for this reader.
    throw new InvalidRecord(`field "${spec.key}" is out of range for ${spec.sqlType ?? 'BIGINT'}, got ${quote(raw)}`);
  }
  if (spec.eventTime && (n < EVENT_TIME_RANGE.min || n > EVENT_TIME_RANGE.max)) {
    throw new InvalidRecord(`field "${spec.key}" ${EVENT_TIME_RANGE.problem}, got ${quote(raw)}`);
  }
  return n;
}

function convert(spec: FieldSpec, value: unknown): CellValue {
  if (value === null || value === undefined) {
    if (spec.required) throw new InvalidRecord(`field "${spec.key}" is missing`);
    return null;
  }
  switch (spec.type) {
    case 'string':
      // userId arrives as a string in the real logs, but a number is the same id.
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      throw new InvalidRecord(`field "${spec.key}" should be text, got ${quote(value)}`);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return checkRange(spec, value, value);
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return checkRange(spec, Number(value), value);
      throw new InvalidRecord(`field "${spec.key}" should be a whole number, got ${quote(value)}`);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      // JSON has no infinity: a non-finite number was a literal beyond DOUBLE PRECISION (1e999).
      if (typeof value === 'number') throw new InvalidRecord(`field "${spec.key}" is out of range for DOUBLE PRECISION`);
      throw new InvalidRecord(`field "${spec.key}" should be a number, got ${quote(value)}`);
  }
}

/** A record's cell for one field of its JSON object; throws InvalidRecord naming the field. */
export function fieldCell(spec: FieldSpec, obj: Record<string, unknown>): CellValue {
  return convert(spec, obj[spec.key]);
}

/** The checks across an event's cells, after each field's own: userId (cells in EVENT_FIELDS order). */
export function checkEventUserId(userId: CellValue): void {
  // Spaces only, as every engine's TRIM takes them before the cast to users.user_id: JavaScript's
  // trim() also takes tabs, U+00A0, U+FEFF and the like, which staged and then failed that cast.
  const digits = typeof userId === 'string' ? userId.replace(/^ +| +$/g, '') : '';
  if (digits !== '' && !/^\d+$/.test(digits)) {
    throw new InvalidRecord(`field "userId" should be digits or empty, got ${quote(userId)}`);
  }
  // users.user_id is an INTEGER.
  if (digits !== '' && Number(digits) > INT32.max) {
    throw new InvalidRecord(`field "userId" is out of range for INTEGER (users.user_id), got ${quote(userId)}`);
  }
}

/** Where userId is among an event's cells. */
export const EVENT_USER_ID_INDEX = EVENT_FIELDS.findIndex((f) => f.key === 'userId');

/** The reason of a failed field check (fieldCell, checkEventUserId); anything else is rethrown. */
export function invalidRecordReason(err: unknown): string {
  if (err instanceof InvalidRecord) return err.message;
  throw err;
}

/** Why a line of text is not a record at all, before its fields are looked at. */
export class LineProblem {
  constructor(readonly reason: string) {}
}

/** A line's JSON object, or why it is none (a NUL escape, invalid JSON, not an object). */
export function recordObject(text: string): Record<string, unknown> | LineProblem {
  // Valid JSON, but no text column stores a NUL character (the same rule as the SQL checks).
  if (text.includes('\\u0000')) return new LineProblem('record holds a \\u0000 (NUL) escape, which no text column can store');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return new LineProblem(`invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return new LineProblem('not a JSON object');
  return value as Record<string, unknown>;
}

/** Turns one parsed JSON value into staging cells, or throws InvalidRecord naming the field. */
export function recordCells(kind: RecordKind, value: unknown): CellValue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRecord('not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const cells = FIELDS_BY_KIND[kind].map((spec) => fieldCell(spec, obj));
  if (kind === 'events') checkEventUserId(cells[EVENT_USER_ID_INDEX]);
  return cells;
}

const MAX_RAW_KEPT = 65_536;

export interface ParsedLine {
  line: number;
  cells?: CellValue[];
  rejected?: RejectedRecord;
}

/** One raw line (or song record) of a source file, as read: its text, or why it can't be a record. */
export interface RawLine {
  sourceKey: string;
  line: number;
  text: string;
  /** Why the reader already knows it cannot be a record (over-long, not UTF-8, NUL byte); null if none. */
  problem: string | null;
}

/** A read line's cells, or its rejection: the reader's problem, or what parsing found. */
export function parseRawLine(kind: RecordKind, { sourceKey, line, text, problem }: RawLine): ParsedLine {
  return problem === null ? parseLine(kind, sourceKey, line, text) : { line, rejected: rejectedRecord(sourceKey, line, problem, text) };
}

export function parseLine(kind: RecordKind, sourceKey: string, line: number, text: string): ParsedLine {
  const value = recordObject(text);
  if (value instanceof LineProblem) return { line, rejected: rejectedRecord(sourceKey, line, value.reason, text) };
  try {
    return { line, cells: recordCells(kind, value) };
  } catch (err) {
    return { line, rejected: rejectedRecord(sourceKey, line, invalidRecordReason(err), text) };
  }
}

/** A rejected record, its raw text capped. */
export function rejectedRecord(sourceKey: string, sourceLine: number, reason: string, raw: string): RejectedRecord {
  return { sourceKey, sourceLine, reason, raw: raw.length > MAX_RAW_KEPT ? raw.slice(0, MAX_RAW_KEPT) : raw };
}
