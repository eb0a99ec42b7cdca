/**
 * Where a source keeps what: the event logs' and song files' folders and names. Plain strings, no
 * I/O, so code that only names the layout (a check's message) need not load the S3 client.
 */

/** The folder of a day's month among the event logs: `log_data/YYYY/MM/`. */
export function eventLogMonthPrefix(date: string): string {
  const [y, m] = date.split('-');
  return `log_data/${y}/${m}/`;
}

/** Keys of the event logs for one day: `log_data/YYYY/MM/YYYY-MM-DD-events.json`. */
export function eventLogPrefixForDate(date: string): string {
  return `${eventLogMonthPrefix(date)}${date}`;
}

export const EVENT_LOG_ROOT = 'log_data/';
export const EVENT_LOG_LAYOUT = 'log_data/YYYY/MM/YYYY-MM-DD-events.json';

const EVENT_LOG_DATE = /\/(\d{4}-\d{2}-\d{2})-events\.json$/;

/** The date in an event log's name (`…/YYYY-MM-DD-events.json`), if it has one. */
export function eventLogDate(key: string): string | undefined {
  return EVENT_LOG_DATE.exec(key)?.[1];
}

export const SONG_DATA_ROOT = 'song_data/';
