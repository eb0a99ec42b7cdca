/** Calendar arithmetic on YYYY-MM-DD strings, in UTC. Workflow-safe (no I/O, no clock). */

/**
 * The dates this pipeline accepts anywhere (CLI flags, workflow input, schedules). Bounded so that
 * date arithmetic never leaves four-digit years (9999-12-31 + 1 day is `+010000-01-01`, which sorts
 * before every real date and made a range loop run forever) and a range stays a sane size.
 */
export const MIN_DATE = '1900-01-01';
export const MAX_DATE = '2199-12-31';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** Why `value` is not an accepted date, or null when it is one. */
export function dateProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return 'is not a date in YYYY-MM-DD form';
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) return 'is not a real calendar date';
  if (value < MIN_DATE || value > MAX_DATE) return `is outside the supported dates ${MIN_DATE} … ${MAX_DATE}`;
  return null;
}

function assertDate(value: string, name: string): void {
  const problem = dateProblem(value);
  if (problem) throw new RangeError(`${name} "${value}" ${problem}`);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, inclusive (0 when `to` is before `from`). */
export function daysInRange(from: string, to: string): number {
  const ms = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`);
  return ms < 0 ? 0 : Math.round(ms / DAY_MS) + 1;
}

/**
 * Every date from `from` to `to`, inclusive. Both must be accepted dates (see MIN_DATE/MAX_DATE);
 * the loop runs a count fixed before it starts, so it cannot run away whatever it is given.
 */
export function datesBetween(from: string, to: string): string[] {
  assertDate(from, 'from');
  assertDate(to, 'to');
  const count = daysInRange(from, to);
  const dates: string[] = [];
  for (let i = 0, d = from; i < count; i++, d = addDays(d, 1)) dates.push(d);
  return dates;
}

/** The calendar date an instant falls on in a time zone (IANA name, e.g. Europe/Berlin). */
export function localDate(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Whether a time zone name is one this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
