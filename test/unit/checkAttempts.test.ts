/**
 * The check step retries failing reference checks beside another run's publish only while its
 * retry policy has attempts left (src/activities/checkActivities.ts), so a real failure still fails.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { attemptsLeft } from '../../src/activities/checkActivities';

const inAttempt = (attempt: number, maximumAttempts?: number) =>
  new MockActivityEnvironment({ attempt, activityType: 'runQualityChecks', ...(maximumAttempts === undefined ? {} : { retryPolicy: { maximumAttempts } }) }).run(async () => attemptsLeft());

test.each([
  [1, 10, true],
  [9, 10, true],
  [10, 10, false],
  [1, 1, false],
  // A policy without a limit (0 or none): bounded all the same.
  [9, 0, true],
  [10, 0, false],
  [10, undefined, false],
])('attempt %d of at most %s: attempts left %s', async (attempt, maximumAttempts, left) => {
  expect(await inAttempt(attempt, maximumAttempts)).toBe(left);
});

test('outside an activity no retry follows', () => {
  expect(attemptsLeft()).toBe(false);
});
