import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { rootMessage } from '../../src/etl/failures';

/** A failure as the client gets it: activity failure → the thrown error → the error's own cause. */
function activityFailure(thrown: ApplicationFailure): ActivityFailure {
  return new ActivityFailure('Activity task failed', 'stageSongs', '12', RetryState.NON_RETRYABLE_FAILURE, 'worker', thrown);
}

describe('rootMessage', () => {
  test("is the deepest cause's message", () => {
    const thrown = ApplicationFailure.create({ message: 'sql/transform/songs.sql failed: division by zero', type: 'SqlError' });
    expect(rootMessage(activityFailure(thrown))).toBe('sql/transform/songs.sql failed: division by zero');
  });

  test('keeps a message that wraps its cause\'s (an S3 error named by its object), instead of the bare cause', () => {
    const sdk = ApplicationFailure.create({ message: 'The specified key does not exist.', type: 'NoSuchKey' });
    const named = ApplicationFailure.create({ message: 's3://bucket/song_data/A/B/C/TRX.json: The specified key does not exist.', type: 'NoSuchKey', cause: sdk });
    expect(rootMessage(activityFailure(named))).toBe('s3://bucket/song_data/A/B/C/TRX.json: The specified key does not exist.');
  });

  test('takes a cause that says something else', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    expect(rootMessage(new Error('opening the warehouse', { cause }))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
  });
});
