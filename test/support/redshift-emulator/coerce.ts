/**
 * Converts one JSON value to a column's type the way Redshift's COPY does (approximately), producing
 * PostgreSQL COPY text, or a load error with Redshift's error code.
 * Codes: https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html
 */

export interface ColumnInfo {
  name: string;
  /** pg_type.typname: int4, varchar, timestamp, ... (Redshift reports the same names). */
  typname: string;
  typmod: number;
  notNull: boolean;
  identity: boolean;
}

export type TimeFormat = 'default' | 'auto' | 'epochsecs' | 'epochmillisecs';

export interface CoerceOptions {
  timeformat: TimeFormat;
  emptyAsNull: boolean;
  blanksAsNull: boolean;
  truncateColumns: boolean;
  /** Replacement for characters PostgreSQL can't store (NUL); undefined = such a value is a load error. */
  acceptInvChars?: string;
}

export type Coerced = { ok: true; text: string | null } | { ok: false; code: number; message: string };

export const LOAD_ERROR = {
  invalidLine: 1216,
  outOfRange: 1204,
  date: 1205,
  timestamp: 1206,
  digit: 1207,
  float: 1208,
  decimal: 1209,
  boolean: 1210,
  notNull: 1213,
  utf8: 1220,
  intOverflow: 1222,
} as const;

const INT_RANGES: Record<string, [bigint, bigint, string]> = {
  int2: [-32768n, 32767n, 'Short'],
  int4: [-2147483648n, 2147483647n, 'Integer'],
  int8: [-9223372036854775808n, 9223372036854775807n, 'Long'],
};

/** Declared length for varchar(n)/char(n) (bytes in Redshift), numeric precision/scale. */
export function columnLength(col: ColumnInfo): number | undefined {
  if ((col.typname === 'varchar' || col.typname === 'bpchar') && col.typmod > 4) return col.typmod - 4;
  return undefined;
}

function numericPrecision(col: ColumnInfo): [number, number] | undefined {
  if (col.typname !== 'numeric' || col.typmod < 4) return undefined;
  const mod = col.typmod - 4;
  return [(mod >> 16) & 0xffff, mod & 0xffff];
}

const fail = (code: number, message: string): Coerced => ({ ok: false, code, message });

/** Position of the first character that isn't part of a valid number, Redshift-style ("Pos n"). */
function badDigitPosition(s: string): number {
  const m = /^[+-]?\d*/.exec(s);
  return m === null ? 0 : m[0].length;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatUtc(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function validDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function coerceTimestamp(value: unknown, raw: string, opts: CoerceOptions, withZone: boolean): Coerced {
  const formatName = opts.timeformat === 'default' ? 'YYYY-MM-DD HH24:MI:SS' : opts.timeformat;
  const bad = (): Coerced => fail(LOAD_ERROR.timestamp, `Invalid timestamp format or value [${formatName}]`);
  if (opts.timeformat === 'epochmillisecs' || opts.timeformat === 'epochsecs') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n)) return bad();
    const ms = opts.timeformat === 'epochsecs' ? n * 1000 : n;
    if (Math.abs(ms) > 8.64e15) return bad();
    return { ok: true, text: formatUtc(ms) + (withZone ? '+00' : '') };
  }
  if (typeof value !== 'string') return bad();
  const m = TIMESTAMP_RE.exec(raw.trim());
  if (m === null || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return bad();
  if (Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) return bad();
  // Redshift's TIMESTAMP keeps the wall-clock value and drops any zone; TIMESTAMPTZ honours it (UTC if none).
  const wall = `${m[1]}-${m[2]}-${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? ''}`;
  return { ok: true, text: withZone ? `${wall}${m[8] === undefined ? '+00' : m[8] === 'Z' ? '+00' : m[8]}` : wall };
}

// NUL, and the invalid UTF-8 bytes the COPY reader keeps as U+DC80–U+DCFF (copy.ts).
// eslint-disable-next-line no-control-regex
const INVALID_CHARS = /[\u0000\udc80-\udcff]/;

function coerceString(value: unknown, col: ColumnInfo, opts: CoerceOptions): Coerced {
  let s = typeof value === 'string' ? value : JSON.stringify(value);
  if (opts.emptyAsNull && s === '') return { ok: true, text: null };
  if (opts.blanksAsNull && s !== '' && s.trim() === '') return { ok: true, text: null };
  // Invalid UTF-8 bytes (kept by the reader as U+DC80–U+DCFF) and NUL fail the record unless
  // ACCEPTINVCHARS, which replaces each with its character ('?' by default).
  if (INVALID_CHARS.test(s)) {
    if (opts.acceptInvChars === undefined) {
      const bad = new RegExp(INVALID_CHARS.source).exec(s)![0].charCodeAt(0);
      const hex = (bad === 0 ? 0 : bad - 0xdc00).toString(16).padStart(2, '0');
      return fail(LOAD_ERROR.utf8, `String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: ${hex}`);
    }
    s = s.replace(new RegExp(INVALID_CHARS.source, 'g'), opts.acceptInvChars);
  }
  const max = columnLength(col);
  if (max !== undefined && Buffer.byteLength(s, 'utf8') > max) {
    if (!opts.truncateColumns) return fail(LOAD_ERROR.outOfRange, 'String length exceeds DDL length');
    // Cut at max bytes without splitting a multi-byte character.
    let bytes = 0;
    let cut = 0;
    for (const ch of s) {
      const size = Buffer.byteLength(ch, 'utf8');
      if (bytes + size > max) break;
      bytes += size;
      cut += ch.length;
    }
    s = s.slice(0, cut);
  }
  return { ok: true, text: s };
}

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * A JSON number with its source text. Redshift converts the text, not a parsed double: 3.0 into
 * an INTEGER is an invalid digit ('.'), 99999999999999999999 keeps its digits, 215.50 loads into
 * a VARCHAR as written.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  get value(): number {
    return Number(this.text);
  }
  toJSON(): unknown {
    return rawJSON(this.text);
  }
}

/** JSON.parse's reviver (with source text access) that keeps numbers as JsonNumber. */
export function keepNumberText(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === 'number' && context?.source !== undefined ? new JsonNumber(context.source) : value;
}

/** What a column type reads of a JSON number: its text for numbers and text, else its value. */
function numberFor(value: JsonNumber, col: ColumnInfo): string | number {
  return ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'varchar', 'bpchar', 'text'].includes(col.typname) ? value.text : value.value;
}

export function coerce(value: unknown, col: ColumnInfo, opts: CoerceOptions): Coerced {
  if (value instanceof JsonNumber) value = numberFor(value, col);
  if (value === undefined || value === null) {
    return col.notNull ? fail(LOAD_ERROR.notNull, 'Missing data for not-null field') : { ok: true, text: null };
  }
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  const isChar = col.typname === 'varchar' || col.typname === 'bpchar' || col.typname === 'text';
  // Redshift loads empty fields of non-character types as NULL.
  if (!isChar && value === '') {
    return col.notNull ? fail(LOAD_ERROR.notNull, 'Missing data for not-null field') : { ok: true, text: null };
  }
  const result = coerceNonNull(value, raw, col, opts);
  if (result.ok && result.text === null && col.notNull) return fail(LOAD_ERROR.notNull, 'Missing data for not-null field');
  return result;
}

function coerceNonNull(value: unknown, raw: string, col: ColumnInfo, opts: CoerceOptions): Coerced {
  switch (col.typname) {
    case 'int2':
    case 'int4':
    case 'int8': {
      const [min, max, label] = INT_RANGES[col.typname];
      let digits: string;
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) return fail(LOAD_ERROR.digit, `Invalid digit, Value '.', Pos ${badDigitPosition(raw)}, Type: ${label}`);
        digits = BigInt(value).toString();
      } else if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) {
        digits = value;
      } else if (typeof value === 'boolean') {
        digits = value ? '1' : '0';
      } else {
        const pos = badDigitPosition(raw);
        return fail(LOAD_ERROR.digit, `Invalid digit, Value '${raw.charAt(pos)}', Pos ${pos}, Type: ${label}`);
      }
      const n = BigInt(digits);
      if (n < min || n > max) return fail(LOAD_ERROR.intOverflow, `Overflow, Value '${raw}', Pos 0, Type: ${label}`);
      return { ok: true, text: n.toString() };
    }
    case 'float4':
    case 'float8': {
      // A JSON number beyond DOUBLE PRECISION (1e999) parses to Infinity here; Redshift's range is
      // that of IEEE 754 doubles, so it is a range error, not the value infinity.
      if (typeof value === 'number' && !Number.isFinite(value)) return fail(LOAD_ERROR.outOfRange, `Overflow, Value '${String(value)}', Pos 0, Type: Double`);
      if (typeof value === 'number') return { ok: true, text: String(value) };
      if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) {
        if (!Number.isFinite(Number(value))) return fail(LOAD_ERROR.outOfRange, `Overflow, Value '${value.trim()}', Pos 0, Type: Double`);
        return { ok: true, text: value.trim() };
      }
      if (typeof value === 'string' && /^(nan|[+-]?inf(inity)?)$/i.test(value.trim())) return { ok: true, text: value.trim() };
      return fail(LOAD_ERROR.float, `Invalid digit, Value '${raw}', Pos ${badDigitPosition(raw)}, Type: Double`);
    }
    case 'numeric': {
      const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
        return fail(LOAD_ERROR.decimal, `Invalid digit, Value '${raw}', Pos ${badDigitPosition(raw)}, Type: Decimal`);
      }
      const ps = numericPrecision(col);
      if (ps !== undefined) {
        const intDigits = String(Math.trunc(Math.abs(Number(s)))).replace(/^0$/, '').length;
        if (intDigits > ps[0] - ps[1]) return fail(LOAD_ERROR.outOfRange, `Numeric data overflow (result precision)`);
      }
      return { ok: true, text: s };
    }
    case 'bool': {
      if (typeof value === 'boolean') return { ok: true, text: value ? 't' : 'f' };
      const s = String(value).trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', '1'].includes(s)) return { ok: true, text: 't' };
      if (['f', 'false', 'n', 'no', '0'].includes(s)) return { ok: true, text: 'f' };
      return fail(LOAD_ERROR.boolean, `Invalid boolean, Value '${raw}'`);
    }
    case 'timestamp':
    case 'timestamptz':
      return coerceTimestamp(value, raw, opts, col.typname === 'timestamptz');
    case 'date': {
      const m = typeof value === 'string' ? DATE_RE.exec(value.trim()) : null;
      if (m === null || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
        return fail(LOAD_ERROR.date, 'Invalid date format - length must be 10 or more');
      }
      return { ok: true, text: value as string };
    }
    case 'varchar':
    case 'bpchar':
    case 'text':
      return coerceString(value, col, opts);
    default:
      // Types the emulator doesn't model: PostgreSQL validates (a bad value fails the whole COPY).
      return { ok: true, text: raw };
  }
}

/** PostgreSQL COPY text format field. */
export function copyTextField(text: string | null): string {
  if (text === null) return '\\N';
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}
