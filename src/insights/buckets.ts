/** Labels of the buckets the engagement SQL files number (the thresholds are written there). */
export const SESSION_LENGTH_BUCKETS = ['< 5 min', '5–15 min', '15–30 min', '30–60 min', '1–2 h', '2–4 h', '≥ 4 h'];
export const PLAYS_PER_SESSION_BUCKETS = ['1', '2–5', '6–10', '11–25', '26–50', '51–100', '> 100'];
export const SESSIONS_PER_USER_BUCKETS = ['1', '2–3', '4–5', '6–10', '11–20', '> 20'];

/** Counts per bucket index, with every bucket present (zero where SQL returned no row). */
export function fillBuckets(labels: readonly string[], rows: { bucket: number; count: number }[]): { label: string; count: number }[] {
  const counts = new Map(rows.map((r) => [r.bucket, r.count]));
  return labels.map((label, i) => ({ label, count: counts.get(i) ?? 0 }));
}
