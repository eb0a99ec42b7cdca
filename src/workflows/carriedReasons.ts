/**
 * A backfill carries its failed and report-missing dates across continue-as-new and returns them.
 * Every date is kept (short, and the counts must stay exact); reasons are bounded, so a long
 * backfill where every date fails stays far below Temporal's payload limits (a warning at 256 KB,
 * an error at 2 MB per payload): a year of failing dates carries about 30 KB.
 */
export interface DatedReason {
  date: string;
  error: string;
}

/** Dates whose reason is kept, in the order they ended; the ones after keep only their date. */
export const REASONS_KEPT = 20;
/** A kept reason's length at most; the date's own run has the whole of it. */
export const REASON_MAX_CHARS = 500;
export const REASON_NOT_KEPT = "(reason not kept: see the date's own run)";

function shortened(reason: string): string {
  return reason.length > REASON_MAX_CHARS ? `${reason.slice(0, REASON_MAX_CHARS - 1)}…` : reason;
}

/** `list` with `entry` added, its reason bounded. */
export function withReason(list: DatedReason[], entry: DatedReason): DatedReason[] {
  return [...list, { date: entry.date, error: list.length < REASONS_KEPT ? shortened(entry.error) : REASON_NOT_KEPT }];
}

/** Bounds a list carried by an earlier release (its reasons whole). */
export function bounded(list: DatedReason[]): DatedReason[] {
  return list.reduce<DatedReason[]>((kept, entry) => withReason(kept, entry), []);
}

/** "d1: reason; d2: reason" for the dates with a reason kept, then the others' dates. */
export function describeReasons(list: DatedReason[]): string {
  const withReasons = list.filter((r) => r.error !== REASON_NOT_KEPT);
  const others = list.filter((r) => r.error === REASON_NOT_KEPT).map((r) => r.date);
  const described = withReasons.map((r) => `${r.date}: ${r.error}`).join('; ');
  return others.length === 0 ? described : `${described}; and ${others.length} more, their reasons in their own runs: ${others.join(', ')}`;
}
