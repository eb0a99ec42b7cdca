/**
 * The summary etl_runs records (src/etl/recordedSummary.ts) fits Redshift's VARCHAR(65535): samples
 * are left out, longest list first, and the counts stay. test/recordedSummaryEngines.test.ts
 * records it on the three engines.
 */
import { recordedBytes, recordedSummary, RECORDED_SUMMARY_MAX_BYTES } from '../../src/etl/recordedSummary';
import type { RunSummary } from '../../src/etl/types';
import { widestSummary } from '../support/widestSummary';

test('recordedBytes counts UTF-8 bytes, and once more each quote and backslash a Redshift literal doubles', () => {
  expect(recordedBytes('abc')).toBe(3);
  expect(recordedBytes('é𝄞')).toBe(2 + 4);
  expect(recordedBytes(`it's a \\ and a "`)).toBe(16 + 2);
});

test('a summary that fits is recorded as it is', () => {
  const summary = widestSummary();
  summary.skipped = { count: 0, samples: [] };
  summary.checks = summary.checks.slice(0, 2);
  summary.rejected.samples = summary.rejected.samples.slice(0, 1);
  summary.staging.events.rejectSamples = [];
  summary.staging.songs.rejectSamples = [];
  const { json, samplesLeftOut } = recordedSummary(summary);
  expect(samplesLeftOut).toBe(0);
  expect(json).toBe(JSON.stringify(summary));
});

test('the widest summary the pipeline makes is longer than etl_runs keeps, and is recorded within it with every count', () => {
  const summary = widestSummary();
  const whole = JSON.stringify(summary);
  expect(Buffer.byteLength(whole)).toBeGreaterThan(RECORDED_SUMMARY_MAX_BYTES);

  const { json, samplesLeftOut } = recordedSummary(summary);
  expect(recordedBytes(json)).toBeLessThanOrEqual(RECORDED_SUMMARY_MAX_BYTES);
  expect(samplesLeftOut).toBeGreaterThan(0);
  const recorded = JSON.parse(json) as RunSummary & { samplesLeftOut: number };
  expect(recorded.samplesLeftOut).toBe(samplesLeftOut);

  // Every sample kept is the original's, in order, and those left out are counted.
  const lists = (s: RunSummary) => [
    s.rejected.samples, s.staging.events.rejectSamples, s.staging.songs.rejectSamples, s.skipped!.samples, ...s.checks.map((c) => c.sampleKeys),
  ];
  const before = lists(summary);
  const after = lists(recorded);
  after.forEach((list, i) => expect(list).toEqual(before[i].slice(0, list.length)));
  expect(before.reduce((n, l) => n + l.length, 0) - after.reduce((n, l) => n + l.length, 0)).toBe(samplesLeftOut);

  // Counts and everything but the samples are as they were; the summary itself is not changed.
  const rest: RunSummary & { samplesLeftOut?: number } = structuredClone(recorded);
  delete rest.samplesLeftOut;
  const blank = (s: RunSummary) => {
    const copy = structuredClone(s);
    for (const list of lists(copy)) list.length = 0;
    return copy;
  };
  expect(blank(rest)).toEqual(blank(summary));
  expect(JSON.stringify(summary)).toBe(whole);

  // No more left out than needed: with one fewer it would not fit (the longest list gives first).
  expect(recordedBytes(json)).toBeGreaterThan(RECORDED_SUMMARY_MAX_BYTES - 2000);
});

test('a summary still too long with every sample left out is an error naming the run and the sizes', () => {
  expect(() => recordedSummary(widestSummary('run-tiny'), 500)).toThrow(/run run-tiny: its summary is \d+ bytes with every sample left out, more than etl_runs records \(500\)/);
});
