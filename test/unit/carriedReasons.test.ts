/**
 * What a backfill carries of its failed dates across continue-as-new (src/workflows/carriedReasons.ts):
 * every date, the first few reasons shortened, the rest pointing to the date's own run.
 */
import { bounded, describeReasons, REASON_MAX_CHARS, REASON_NOT_KEPT, REASONS_KEPT, withReason } from '../../src/workflows/carriedReasons';

const dates = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2018, 0, 1 + i)).toISOString().slice(0, 10));

test('a list carried whole by an earlier release is bounded as it is read: every date kept, in order', () => {
  const whole = dates(REASONS_KEPT + 5).map((date) => ({ date, error: `${date}: ${'x'.repeat(5000)}` }));
  const kept = bounded(whole);
  expect(kept.map((r) => r.date)).toEqual(whole.map((r) => r.date));
  expect(kept.slice(0, REASONS_KEPT).every((r) => r.error.length === REASON_MAX_CHARS && r.error.startsWith(r.date))).toBe(true);
  expect(kept.slice(REASONS_KEPT).every((r) => r.error === REASON_NOT_KEPT)).toBe(true);
  // Bounding again changes nothing.
  expect(bounded(kept)).toEqual(kept);
});

test('the failure names the kept reasons, then the other dates', () => {
  const list = dates(REASONS_KEPT + 2).reduce((acc, date) => withReason(acc, { date, error: 'bad cast' }), [] as { date: string; error: string }[]);
  const text = describeReasons(list);
  expect(text.startsWith('2018-01-01: bad cast; 2018-01-02: bad cast;')).toBe(true);
  expect(text.endsWith(`; and 2 more, their reasons in their own runs: ${dates(REASONS_KEPT + 2).slice(REASONS_KEPT).join(', ')}`)).toBe(true);
});
