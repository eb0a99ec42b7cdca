import type { Row } from './types';

/** Whole numbers beyond 2^53 stay exact as strings. */
export function bigintToJs(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/**
 * PostgreSQL's and Redshift's ISO timestamp text: a year of four digits or more, up to microseconds,
 * an offset for a timestamptz (`+01`, `+05:45`, or to the second, `+00:53:28`, in a zone's early
 * history), and ` BC`.
 */
const TIMESTAMP_TEXT = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6})\d*)?(?:[zZ]|([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/**
 * `2018-11-01 21:01:46.796` (a timestamp without time zone, read as UTC) or `2018-11-01
 * 22:01:46.796+01` (a timestamptz, in the session's zone) → ISO-8601 in UTC with Z, to the
 * millisecond as DuckDB's are (microsToIso). Other text (`infinity`) is returned as it is.
 */
export function timestampTextToIso(text: string): string {
  const m = TIMESTAMP_TEXT.exec(text);
  if (m === null) return text;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours = '0', offsetMinutes = '0', offsetSeconds = '0', bc] = m;
  const wholeSeconds = new Date(0);
  wholeSeconds.setUTCFullYear(bc ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  wholeSeconds.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  if (Number.isNaN(wholeSeconds.getTime())) return text;
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds));
  return microsToIso((BigInt(wholeSeconds.getTime()) - BigInt(offset) * 1000n) * 1000n + BigInt(fraction.padEnd(6, '0')));
}

/** A moment as the warehouse's timestamp text, UTC: `2018-11-01 21:01:46.796` (timestampTextToIso's inverse). */
export function utcTimestampText(at: Date | number): string {
  return new Date(at).toISOString().replace('T', ' ').replace('Z', '');
}

export function microsToIso(micros: bigint): string {
  return new Date(Number(micros / 1000n)).toISOString();
}

export type { Row };
