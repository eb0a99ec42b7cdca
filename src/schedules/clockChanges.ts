/**
 * Where a time zone's clock skips or repeats local times (daylight saving and other offset changes),
 * read from the runtime's time zone data through Intl.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;

/** One change of a zone's UTC offset, as the local clock shows it. */
export interface ClockChange {
  /** 'skipped': the clock jumps forward over the window; 'repeated': it goes back and shows it twice. */
  kind: 'skipped' | 'repeated';
  /** The local date the window starts on, YYYY-MM-DD. */
  date: string;
  /** The window in minutes after local midnight of `date`, end exclusive (it may pass 1440). */
  fromMinute: number;
  toMinute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local clock reading at `instant` (whole seconds), as if it were a UTC time in ms. */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The zone's UTC offset at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  return wallClock(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/** The first second at which the offset is no longer the one at `before` (it changes in (before, after]). */
function changeInstant(before: number, after: number, timeZone: string): number {
  const was = offsetAt(before, timeZone);
  let lo = before;
  let hi = after;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === was) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The clock changes of `timeZone` from `from` for `days` days. Scans a day at a time, so two changes
 * within one day (none in the time zone data for decades) would go unseen.
 */
export function clockChanges(timeZone: string, from: Date, days: number): ClockChange[] {
  const changes: ClockChange[] = [];
  let t = from.getTime();
  let offset = offsetAt(t, timeZone);
  for (let i = 0; i < days; i++, t += DAY_MS) {
    const next = offsetAt(t + DAY_MS, timeZone);
    if (next === offset) continue;
    const at = changeInstant(t, t + DAY_MS, timeZone);
    const [start, end] = next > offset ? [at + offset, at + next] : [at + next, at + offset];
    const midnight = Math.floor(start / DAY_MS) * DAY_MS;
    changes.push({
      kind: next > offset ? 'skipped' : 'repeated',
      date: new Date(midnight).toISOString().slice(0, 10),
      fromMinute: Math.round((start - midnight) / MINUTE_MS),
      toMinute: Math.round((end - midnight) / MINUTE_MS),
    });
    offset = next;
  }
  return changes;
}

/** Whether minute `minuteOfDay` (0–1439) of the local clock falls in the change's window. */
export function inWindow(change: ClockChange, minuteOfDay: number): boolean {
  return [minuteOfDay, minuteOfDay + DAY_MINUTES].some((m) => m >= change.fromMinute && m < change.toMinute);
}

/** HH:MM of a minute of the day (wrapping past midnight). */
export function clockTime(minute: number): string {
  const m = ((minute % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** The first time of day from `minute` on (wrapping) that no change's window holds. */
export function firstClearTime(changes: readonly ClockChange[], minute: number): number | undefined {
  for (let i = 0; i < DAY_MINUTES; i++) {
    const m = (minute + i) % DAY_MINUTES;
    if (!changes.some((c) => inWindow(c, m))) return m;
  }
  return undefined;
}
