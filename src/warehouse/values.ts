import type { Row } from './types';

/** Whole numbers beyond 2^53 stay exact as strings. */
export function bigintToJs(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** `2018-11-01 21:01:46.796` (a timestamp without time zone, read as UTC) → ISO-8601 with Z. */
export function timestampTextToIso(text: string): string {
  const date = new Date(`${text.replace(' ', 'T')}${/[zZ]|[+-]\d\d(:?\d\d)?$/.test(text) ? '' : 'Z'}`);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** A moment as the warehouse's timestamp text, UTC: `2018-11-01 21:01:46.796` (timestampTextToIso's inverse). */
export function utcTimestampText(at: Date | number): string {
  return new Date(at).toISOString().replace('T', ' ').replace('Z', '');
}

export function microsToIso(micros: bigint): string {
  return new Date(Number(micros / 1000n)).toISOString();
}

export type { Row };
