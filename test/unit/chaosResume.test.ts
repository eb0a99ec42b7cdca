/**
 * The fault suite's verdict on a killed step's resume (src/chaos/faults.ts): over the limit it is
 * slow, unless the Temporal server ended the killed attempt late and the new worker then started
 * the retry promptly; the report line names the server's and the worker's parts.
 */
import { PICK_UP_LIMIT_MS, RESUME_LIMIT_MS, slowResume } from '../../src/chaos/faults';
import { describeResume } from '../../src/chaos/stack';

describe('slowResume', () => {
  it('passes a resume within the limit, whatever its parts', () => {
    expect(slowResume({ ms: 25_000, endedMs: 20_100, dueMs: 25_100 })).toBeUndefined();
    expect(slowResume({ ms: RESUME_LIMIT_MS })).toBeUndefined();
  });

  it('fails a resume over the limit whose parts are unknown', () => {
    expect(slowResume({ ms: 125_300 })).toBe('resumed after 125.3 s, over 60.0 s');
  });

  it('fails a resume over the limit when the server ended the attempt on time and the retry waited for a worker', () => {
    expect(slowResume({ ms: 125_300, endedMs: 20_200, dueMs: 30_200 })).toBe(
      'resumed after 125.3 s (attempt ended by the server at 20.2 s, retry due at 30.2 s), over 60.0 s',
    );
  });

  it('passes a resume over the limit when the server ended the attempt late and a worker took the retry promptly', () => {
    expect(slowResume({ ms: 125_300, endedMs: 115_000, dueMs: 125_000 })).toBeUndefined();
    expect(slowResume({ ms: 115_000 + 10_000 + PICK_UP_LIMIT_MS, endedMs: 115_000, dueMs: 125_000 })).toBeUndefined();
  });

  it('fails a late server when the worker then took longer than the pick-up limit, or when the retry was never seen due', () => {
    expect(slowResume({ ms: 125_000 + PICK_UP_LIMIT_MS + 100, endedMs: 115_000, dueMs: 125_000 })).toMatch(/over 60\.0 s$/);
    expect(slowResume({ ms: 125_300, endedMs: 115_000 })).toMatch(/over 60\.0 s$/);
  });

  it('holds the server to its heartbeat timeout: an attempt ended within 30 s of the kill is not late', () => {
    expect(slowResume({ ms: 90_000, endedMs: 30_000, dueMs: 40_000 })).toMatch(/over 60\.0 s$/);
    expect(slowResume({ ms: 90_000, endedMs: 30_001, dueMs: 80_000 })).toBeUndefined();
  });
});

describe('describeResume', () => {
  it('gives the parts it knows', () => {
    expect(describeResume({ ms: 25_040 })).toBe('25.0 s');
    expect(describeResume({ ms: 25_040, dueMs: 25_000 })).toBe('25.0 s (retry due at 25.0 s)');
    expect(describeResume({ ms: 25_040, endedMs: 20_010, dueMs: 25_000 })).toBe('25.0 s (attempt ended by the server at 20.0 s, retry due at 25.0 s)');
  });
});
