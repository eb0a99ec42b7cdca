import readline from 'node:readline';
import type { Readable } from 'node:stream';

/** A source record that could not be staged, kept with the reason. */
export interface RejectedRecord {
  sourceKey: string;
  sourceLine: number;
  reason: string;
  raw: string;
}

export type CellValue = string | number | null;

type FieldType = 'string' | 'integer' | 'number';

interface FieldSpec {
  /** The key in the source JSON. */
  key: string;
  /** The staging column: the key folded to lower case, as SQL identifiers are. */
  column: string;
  type: FieldType;
  required?: boolean;
}

function field(key: string, type: FieldType, required = false): FieldSpec {
  return { key, column: key.toLowerCase(), type, required };
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
  field('sessionId', 'integer', true),
  field('song', 'string'),
  field('status', 'integer'),
  field('ts', 'integer', true),
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
      throw new InvalidRecord(`field "${spec.key}" should be text, got ${JSON.stringify(value)}`);
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim()) && Number.isSafeInteger(Number(value))) return Number(value);
      throw new InvalidRecord(`field "${spec.key}" should be a whole number, got ${JSON.stringify(value)}`);
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw new InvalidRecord(`field "${spec.key}" should be a number, got ${JSON.stringify(value)}`);
  }
}

/** Turns one parsed JSON value into staging cells, or throws InvalidRecord naming the field. */
export function recordCells(kind: RecordKind, value: unknown): CellValue[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRecord('not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const cells = FIELDS_BY_KIND[kind].map((spec) => convert(spec, obj[spec.key]));
  if (kind === 'events') {
    const userId = cells[EVENT_FIELDS.findIndex((f) => f.key === 'userId')];
    if (typeof userId === 'string' && userId.trim() !== '' && !/^\d+$/.test(userId.trim())) {
      throw new InvalidRecord(`field "userId" should be digits or empty, got ${JSON.stringify(userId)}`);
    }
  }
  return cells;
}

const MAX_RAW_KEPT = 65_536;

export interface ParsedLine {
  line: number;
  cells?: CellValue[];
  rejected?: RejectedRecord;
}

/**
 * Reads newline-delimited JSON records from a stream, one line at a time, so a file of any size
 * needs only one line in memory. Blank lines are skipped; every other line yields cells or a
 * rejection with the reason.
 */
export async function* parseRecords(kind: RecordKind, sourceKey: string, input: Readable): AsyncGenerator<ParsedLine> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    yield parseLine(kind, sourceKey, lineNo, text);
  }
}

export function parseLine(kind: RecordKind, sourceKey: string, line: number, text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, rejected: reject(sourceKey, line, `invalid JSON: ${(err as Error).message}`, text) };
  }
  try {
    return { line, cells: recordCells(kind, value) };
  } catch (err) {
    if (err instanceof InvalidRecord) return { line, rejected: reject(sourceKey, line, err.message, text) };
    throw err;
  }
}

function reject(sourceKey: string, sourceLine: number, reason: string, raw: string): RejectedRecord {
  return { sourceKey, sourceLine, reason, raw: raw.length > MAX_RAW_KEPT ? raw.slice(0, MAX_RAW_KEPT) : raw };
}
